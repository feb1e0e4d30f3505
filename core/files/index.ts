// The filesystem side of file transfers: checking sources in one level's home, delivering them into
// another's, and cleaning what a crash left. Every path below a level home is treated as hostile.
export { NAME_MAX_BYTES, PARTIAL_PREFIX, safeName, shown, withCopyNumber } from './names.js';
export { scanSources, type ScanOptions, type ScanProblem, type SourceEntry } from './scan.js';
export {
  cleanPartials,
  deliverFiles,
  openSource,
  removeSources,
  type DeliverOptions,
  type Delivered,
  type Delivery,
  type Removal,
} from './deliver.js';
