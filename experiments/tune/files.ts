// The names of a tuning study's files in its directory (docs/design.md, "Run
// store"), apart from the code that writes them so that readers (the viewer)
// can name them without loading it.
export const STUDY_FILE = 'study.json';
export const TRIALS_CSV = 'trials.csv';
export const TRIALS_JSON = 'trials.json';
export const BEST_CONFIG = 'best.yaml';
/** tune.svg and tune.png. */
export const FIGURE_NAME = 'tune';
