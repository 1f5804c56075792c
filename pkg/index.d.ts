// Type declarations for the `rolegate` package. Shapes follow the rolegate contract
// (snapshot §1, principals §2, effective view §3). `rolegate/full` (full.d.ts) adds the
// management operations (§5) and redaction of JSON text.

export type Op = 'read' | 'update' | 'softDelete' | 'destroy';
export type WriteOp = 'create' | 'update' | 'upsert' | 'softDelete' | 'restore' | 'destroy';

export type SettingsFlag =
  | 'API_KEYS_AND_WEBHOOKS' | 'WORKSPACE' | 'WORKSPACE_MEMBERS' | 'ROLES' | 'DATA_MODEL' | 'SECURITY'
  | 'WORKFLOWS' | 'IMPERSONATE' | 'SSO_BYPASS' | 'APPLICATIONS' | 'MARKETPLACE_APPS' | 'LAYOUTS'
  | 'BILLING' | 'AI_SETTINGS';
export type ToolFlag =
  | 'AI' | 'VIEWS' | 'UPLOAD_FILE' | 'DOWNLOAD_FILE' | 'SEND_EMAIL_TOOL' | 'CREATE_CALENDAR_EVENT_TOOL'
  | 'HTTP_REQUEST_TOOL' | 'CODE_INTERPRETER_TOOL' | 'IMPORT_CSV' | 'EXPORT_CSV' | 'CONNECTED_ACCOUNTS'
  | 'PROFILE_INFORMATION';
export type PermissionFlag = SettingsFlag | ToolFlag;

/** Who is asking (contract §2). */
export type Principal =
  | { role: string }
  | { member: string }
  | { apiKey: string }
  | { agent: string }
  | { agent: string; workflow: string }
  | { agent: string; onBehalfOf: string };

export interface Relation {
  kind: 'MANY_TO_ONE' | 'ONE_TO_MANY';
  target: string;
  inverse: string;
  joinColumn?: string | null;
}
export interface FieldMeta {
  name: string;
  type: string;
  relation?: Relation | null;
}
export interface ObjectMeta {
  nameSingular: string;
  namePlural: string;
  isSystem?: boolean;
  labelIdentifierField?: string | null;
  fields: FieldMeta[];
}
export interface ObjectPermission {
  object: string;
  canRead?: boolean | null;
  canUpdate?: boolean | null;
  canSoftDelete?: boolean | null;
  canDestroy?: boolean | null;
}
export interface FieldPermission {
  object: string;
  field: string;
  canRead?: false | null;
  canUpdate?: false | null;
}
export interface Role {
  id: string;
  label: string;
  isEditable?: boolean;
  canUpdateAllSettings: boolean;
  canAccessAllTools: boolean;
  canReadAllObjectRecords: boolean;
  canUpdateAllObjectRecords: boolean;
  canSoftDeleteAllObjectRecords: boolean;
  canDestroyAllObjectRecords: boolean;
  canBeAssignedToUsers?: boolean;
  canBeAssignedToAgents?: boolean;
  canBeAssignedToApiKeys?: boolean;
  permissionFlags?: PermissionFlag[];
  objectPermissions?: ObjectPermission[];
  fieldPermissions?: FieldPermission[];
}
/** A `rolegate/v1` snapshot (contract §1). */
export interface Snapshot {
  format: 'rolegate/v1';
  workspaceId: string;
  revision: number;
  adminRoleId: string;
  defaultRoleId: string;
  options?: { apiKeysWithoutRole?: 'defaultRole' | 'deny' };
  objects: ObjectMeta[];
  roles: Role[];
  members?: { id: string; name: string; roleId: string | null }[];
  apiKeys?: { id: string; name: string; roleId?: string | null; expiresAt?: string | null; revokedAt?: string | null }[];
  agents?: { id: string; name: string; roleId?: string | null }[];
  workflows?: { id: string; name: string; roleId?: string | null }[];
}

export type Status = 'active' | 'revoked' | 'expired' | 'noRole';

export interface FieldView {
  canRead: boolean;
  canUpdate: boolean;
}
export interface ObjectView {
  canRead: boolean;
  canUpdate: boolean;
  canSoftDelete: boolean;
  canDestroy: boolean;
  fields: Record<string, FieldView>;
}
/** The effective view of one principal (contract §3). */
export interface View {
  format: 'rolegate-view/v1';
  workspaceId: string;
  revision: number;
  principal: Principal;
  status: Status;
  roles: string[];
  objects: Record<string, ObjectView>;
  permissionFlags: Record<PermissionFlag, boolean>;
}

export type Level =
  | 'implicit' | 'objectRule' | 'allObjects' | 'fieldRule' | 'labelIdentifier' | 'intersection'
  | 'noRole' | 'revoked' | 'expired' | 'unknownPrincipal';

export interface RoleDecision {
  role: string;
  allowed: boolean;
  level: Level;
  reason: string;
}
export interface Explanation {
  principal: Principal;
  object: string;
  field?: string;
  op: Op;
  decision: 'allow' | 'deny';
  allowed: boolean;
  level: Level;
  role?: string;
  reason: string;
  roles: RoleDecision[];
}

export type Violation =
  | 'notUpdatable' | 'notReadable' | 'relationTargetNotReadable' | 'relationTargetNotUpdatable'
  | 'unsupportedRelationForm' | 'unknownField' | 'notAnObject';
export interface FieldViolation {
  path: string;
  field: string;
  violation: Violation;
  message: string;
}
export interface WriteCheck {
  allowed: boolean;
  operationAllowed: boolean;
  violations: FieldViolation[];
}

export interface Issue {
  code: string;
  message: string;
  path?: string;
}
/** Errors thrown by this package carry a stable `code` and the JSON `path` of the problem. */
export interface RolegateError extends Error {
  code: string;
  path: string;
  issues?: Issue[];
}

export interface FromSnapshotOptions {
  /** The time used for API-key expiry: milliseconds, a Date or an RFC 3339 string. Default: now. */
  now?: number | Date | string;
}

export declare class Permissions implements Disposable {
  private constructor();
  /** Validates the snapshot and resolves the principal; throws `RolegateError` otherwise. */
  static fromSnapshot(snapshot: Snapshot | string, principal: Principal | string, options?: FromSnapshotOptions): Permissions;
  /** Loads an effective view, e.g. from the gateway's `/rolegate/v1/permissions`. */
  static fromView(view: View | string): Permissions;
  canRead(object: string, field?: string | null): boolean;
  canUpdate(object: string, field?: string | null): boolean;
  canSoftDelete(object: string): boolean;
  canDestroy(object: string): boolean;
  hasFlag(flag: PermissionFlag): boolean;
  /** Readable fields in schema order (implicit fields last). */
  readableFields(object: string): string[];
  updatableFields(object: string): string[];
  /** Twenty's front-end rule: read-only when the record is deleted, the object or the field is not updatable. */
  isFieldReadOnly(object: string, field: string, options?: { recordDeleted?: boolean }): boolean;
  /** A copy of a record, an array of records or a connection, without what cannot be read. */
  redact<T>(object: string, recordOrRecords: T): T;
  checkWrite(object: string, op: WriteOp, body?: unknown): WriteCheck;
  explain(object: string, field: string | null | undefined, op: Op): Explanation;
  view(): View;
  readonly status: Status;
  /** Releases the WebAssembly memory (also `using p = Permissions.fromSnapshot(...)`). */
  free(): void;
  [Symbol.dispose](): void;
}

export declare function validateSnapshot(snapshot: Snapshot | string): { valid: true } | { valid: false; errors: Issue[] };
