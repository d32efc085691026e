// Drives the simulator with the official `openai` npm client, streaming and
// not, and checks what a real client sees. Usage:
//   node tests/node/openai_client.mjs BASE_URL IMAGE.jpg
// Exit 0 on success, 1 with a message on the first failed check.
import { readFileSync } from 'node:fs';
import OpenAI from 'openai';

const [baseURL, imagePath] = process.argv.slice(2);
if (!baseURL || !imagePath) {
  console.error('usage: openai_client.mjs BASE_URL IMAGE');
  process.exit(2);
}
function check(cond, what) {
  if (!cond) {
    console.error(`FAIL: ${what}`);
    process.exit(1);
  }
}

const client = new OpenAI({ baseURL, apiKey: 'sim-test-key', maxRetries: 0, timeout: 20000 });
const url = `data:image/jpeg;base64,${readFileSync(imagePath).toString('base64')}`;
const messages = [
  { role: 'system', content: 'You are a camera-club judge. Reply in JSON.' },
  {
    role: 'user',
    content: [
      { type: 'text', text: 'Title: Evening Tide\nCategory: Colour' },
      { type: 'image_url', image_url: { url } },
    ],
  },
];

const models = await client.models.list();
check(models.data.length >= 1 && typeof models.data[0].id === 'string', 'models.list');

const resp = await client.chat.completions.create({
  model: 'sim', messages, max_tokens: 320, temperature: 0.2, top_p: 0.9,
});
check(resp.object === 'chat.completion', 'object');
check(resp.choices[0].finish_reason === 'stop', `finish_reason ${resp.choices[0].finish_reason}`);
const reply = JSON.parse(resp.choices[0].message.content);
check(typeof reply.critique === 'string' && reply.critique.includes('simulator'), 'critique text');
check(Number.isFinite(reply.score) && reply.score >= 0 && reply.score <= 20, 'score');
check(reply.title === 'Evening Tide', `title ${reply.title}`);
check(resp.usage.total_tokens === resp.usage.prompt_tokens + resp.usage.completion_tokens, 'usage');

const stream = await client.chat.completions.create({
  model: 'sim', messages, max_tokens: 320, stream: true, stream_options: { include_usage: true },
});
let text = '';
let first = true;
let finish = null;
let usage = null;
let chunks = 0;
for await (const chunk of stream) {
  chunks++;
  check(chunk.object === 'chat.completion.chunk', 'chunk object');
  if (first) {
    check(chunk.choices[0].delta.role === 'assistant', 'first delta carries the role');
    first = false;
  }
  if (chunk.usage) {
    check(chunk.choices.length === 0, 'usage chunk has choices []');
    usage = chunk.usage;
    continue;
  }
  check(usage === null, 'a chunk after the usage chunk');
  text += chunk.choices[0].delta.content ?? '';
  if (chunk.choices[0].finish_reason) finish = chunk.choices[0].finish_reason;
}
check(chunks > 5, `only ${chunks} chunks`);
check(finish === 'stop', `stream finish_reason ${finish}`);
check(usage && usage.completion_tokens === resp.usage.completion_tokens, 'stream usage');
check(text === resp.choices[0].message.content, 'streamed text differs from the blocking reply');

// errors surface as the client's typed errors
try {
  await client.chat.completions.create({ model: 'sim', messages: [], max_tokens: 5 });
  check(false, 'empty messages accepted');
} catch (e) {
  check(e instanceof OpenAI.BadRequestError, `error class ${e.constructor.name}`);
  check(e.status === 400 && typeof e.message === 'string', 'error status');
}
console.log('openai_client: ok');
