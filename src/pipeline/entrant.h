/*
 * entrant.h - who entered a photo and under what title (doc/SPEC.md 2.2):
 * the author, first found, from the entry list (--entries), the image's own
 * metadata (XMP dc:creator, IPTC By-line, EXIF Artist: read by Stage 0-1),
 * the registry's filename_pattern; the title from the entry list, the
 * metadata, the pattern (else the file stem is shown); the category from
 * the entry list when it names one of the competition's.
 *
 * The author is kept for the outputs only: it is never put into a prompt.
 */
#ifndef JV_PIPELINE_ENTRANT_H
#define JV_PIPELINE_ENTRANT_H

#include "input/entries.h"
#include "input/registry.h"
#include "pipeline/job.h"

#define JV_AUTHOR_FROM_ENTRY_LIST "entry_list"
#define JV_AUTHOR_FROM_METADATA   "metadata"
#define JV_AUTHOR_FROM_FILENAME   "filename"

/*
 * Fills job->iqa.author, job->author_source, job->iqa.title and
 * job->iqa.category as above. `entries`, `c` and `category_override` (the
 * --critique-category option, which wins over the list) are borrowed and
 * nullable.
 */
void jv_entrant_resolve(struct jv_job *job, const struct jv_entry_list *entries,
                        const struct jv_competition *c, const char *category_override);

#endif
