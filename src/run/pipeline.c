#include "core/jv.h"

#include "run/pipeline.h"

int jv_pipeline_run(const struct jv_options *o, int argc, char **argv)
{
    (void)o;
    (void)argc;
    (void)argv;
    fprintf(stderr, "judge-vision run: the pipeline is being assembled\n");
    return JV_EXIT_FATAL;
}
