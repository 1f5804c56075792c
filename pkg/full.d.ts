// Type declarations for `rolegate/full`: everything in `rolegate`, plus the management
// operations (contract §5) and redaction of JSON text. Its Permissions is its own class (the
// full build's WebAssembly module), with the same methods and one more.
import { Permissions as MainPermissions } from './index.js';
import type { FromSnapshotOptions, Principal, Snapshot, View } from './index.js';

export * from './index.js';

export declare class Permissions extends MainPermissions {
  protected constructor();
  static fromSnapshot(snapshot: Snapshot | string, principal: Principal | string, options?: FromSnapshotOptions): Permissions;
  static fromView(view: View | string): Permissions;
  /** Redaction of JSON text (a record, an array or a connection), streamed through WebAssembly. */
  redactJson(object: string, json: string): string;
}

/** Applies a management operation (contract §5) and returns the new snapshot (revision + 1). */
export declare function applyOperation(snapshot: Snapshot | string, operation: object | string): Snapshot;
