// Type declarations for `rolegate/full`: everything in `rolegate`, plus the management
// operations (contract §5) and redaction of JSON text. Its Permissions is its own class (the
// full build's WebAssembly module, not a subclass: `instanceof` the main one is false), with the
// same methods and one more.
import type { FromSnapshotOptions, Permissions as MainPermissions, Principal, Snapshot, View } from './index.js';

export * from './index.js';

/** Every method of the main entry's Permissions, and redactJson. */
export interface Permissions extends MainPermissions {
  /** Redaction of JSON text (a record, an array or a connection), streamed through WebAssembly. */
  redactJson(object: string, json: string): string;
}
export declare class Permissions {
  private constructor();
  static fromSnapshot(snapshot: Snapshot | string, principal: Principal | string, options?: FromSnapshotOptions): Permissions;
  static fromView(view: View | string): Permissions;
}

/** Applies a management operation (contract §5) and returns the new snapshot (revision + 1). */
export declare function applyOperation(snapshot: Snapshot | string, operation: object | string): Snapshot;
