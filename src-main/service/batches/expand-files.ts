/** Dropped paths -> the files of a batch: core's (the CLI expands them the same way). */
export { expandPaths, MAX_FILES, type ExpandedFiles } from '../../core/batch/expand-paths.js';
