//! Command-line arguments, and their translation into contract operations.

use clap::{Args, Parser, Subcommand, ValueEnum};
use rolegate_core::{codes, Error, Principal};
use serde_json::{json, Map, Value};

#[derive(Parser)]
#[command(
    name = "rolegate",
    version,
    about = "Role-permission enforcement for Twenty-style CRMs",
    long_about = "Validate rolegate/v1 snapshots, show what a principal may do, explain decisions, \
run policy tests, and manage roles, rules and assignments.\n\n\
Exit codes: 0 ok/allowed, 1 denied or failing tests, 2 invalid input.",
    after_help = "Examples:\n  \
rolegate validate workspace.json\n  \
rolegate effective --snapshot workspace.json --role intern\n  \
rolegate explain --snapshot workspace.json --role intern --object person --field address --op read\n  \
rolegate test tests/*.json\n  \
rolegate rule field --snapshot workspace.json --role intern --object person --field emails --update false --out workspace.json"
)]
pub struct Cli {
    /// Output format.
    #[arg(long, value_enum, global = true, default_value_t = Format::Text)]
    pub format: Format,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

#[derive(Subcommand)]
pub enum Command {
    /// Validate a snapshot: every error with its code, JSON path and a sentence.
    #[command(after_help = "Example:\n  rolegate validate workspace.json")]
    Validate(ValidateArgs),
    /// Print a principal's effective view (contract §3): every object, field and flag resolved.
    #[command(
        after_help = "Examples:\n  rolegate effective --snapshot workspace.json --api-key 5f0c2a8e-1b7d-4c3a-9e6f-0a1b2c3d4e5f --format json\n  \
rolegate effective --snapshot workspace.json --agent agent-sales --workflow wf-enrich"
    )]
    Effective(EffectiveArgs),
    /// Explain one decision and the level that decided it. Exit 0 allowed, 1 denied.
    #[command(
        after_help = "Example:\n  rolegate explain --snapshot workspace.json --role intern --object person --field address --op read"
    )]
    Explain(ExplainArgs),
    /// Run policy test files (contract §4). Exit 1 when a test fails.
    #[command(after_help = "Example:\n  rolegate test policy-tests/*.json")]
    Test(TestArgs),
    /// Create, update, delete roles and choose the default role.
    Role(RoleArgs),
    /// Object rules, field rules and permission flags of a role.
    Rule(RuleArgs),
    /// Assign a role to a member, an API key or an agent.
    Assign(AssignArgs),
    /// Workspace members.
    Member(MemberArgs),
    /// API keys.
    #[command(name = "api-key")]
    ApiKey(ApiKeyArgs),
    /// Make an Ed25519 key pair for signing snapshots.
    #[command(after_help = "Example:\n  rolegate keygen --key-id k1 --out snapshot-key.json\n  \
(prints the SNAPSHOT_PUBLIC_KEYS value for the worker; keep the key file secret)")]
    Keygen(KeygenArgs),
    /// Sign a snapshot into a KV envelope (contract §6).
    #[command(after_help = "Example:\n  rolegate sign --key snapshot-key.json --snapshot workspace.json --out envelope.json")]
    Sign(SignArgs),
    /// Verify an envelope against public keys; exit 0 valid, 1 refused.
    #[command(after_help = "Example:\n  rolegate verify --envelope envelope.json --public-keys '{\"k1\":\"...\"}'")]
    Verify(VerifyArgs),
    /// Write a signed envelope to Workers KV (key `workspace:<workspaceId>`) through wrangler.
    #[command(
        after_help = "Examples:\n  rolegate push --envelope envelope.json --local\n  rolegate push --envelope envelope.json --namespace-id 0f2c...   (a real namespace; wrangler must be logged in)"
    )]
    Push(PushArgs),
    /// Summarise decision log lines (from `wrangler tail --format json` or `wrangler dev` output) per principal.
    #[command(
        after_help = "Examples:\n  wrangler tail --format json | rolegate audit -\n  rolegate audit gateway.log --decision deny --format json"
    )]
    Audit(AuditArgs),
    /// Mint tokens: Twenty-style API-key tokens, and rolegate agent tokens.
    Token(TokenArgs),
    /// Import a workspace's roles from Twenty's metadata API answers into a rolegate/v1 snapshot.
    #[command(
        after_help = "Examples:\n  rolegate import twenty --queries            (the GraphQL queries and curl commands that make the files)\n  \
rolegate import twenty --objects objects.json --roles roles.json --api-keys api-keys.json --members members.json --out snapshot.json"
    )]
    Import(ImportArgs),
    /// Fetch a workspace live from a Twenty server's metadata API, then validate, and optionally sign and push it.
    #[command(
        after_help = "Examples:\n  TWENTY_API_KEY=... rolegate sync --url https://crm.example.com --api-key-env TWENTY_API_KEY --previous snapshot.json --out snapshot.json\n  \
TWENTY_API_KEY=... rolegate sync --url https://crm.example.com --api-key-env TWENTY_API_KEY --out snapshot.json --sign-key prod-1.json --push --namespace-id 0f2c..."
    )]
    Sync(SyncArgs),
    /// What every role and principal gains and loses from OLD to NEW. Exit 1 when anything widens.
    #[command(
        after_help = "Examples:\n  rolegate diff live.json proposed.json\n  rolegate diff live.json proposed.json --format json\n  \
(exit code 1 when any role or principal gains a permission: use it to gate a deploy)"
    )]
    Diff(DiffArgs),
    /// Every role, member, API key and agent able to do one thing, with the deciding level.
    #[command(
        name = "who-can",
        after_help = "Examples:\n  rolegate who-can --snapshot workspace.json --object person --field address --op read\n  \
rolegate who-can --snapshot workspace.json --object opportunity --op destroy\n  rolegate who-can --snapshot workspace.json --flag EXPORT_CSV"
    )]
    WhoCan(WhoCanArgs),
    /// Apply any management operation given as contract JSON (`{"op": ...}`).
    #[command(
        after_help = "Example:\n  rolegate apply --snapshot workspace.json --operation '{\"op\":\"setDefaultRole\",\"roleId\":\"intern\"}'\n  \
(--operation takes a file path, or - for standard input, or inline JSON)"
    )]
    Apply(ApplyArgs),
}

#[derive(Args)]
pub struct ValidateArgs {
    /// Snapshot file (or - for standard input).
    pub file: Option<String>,
    #[arg(long, conflicts_with = "file")]
    pub snapshot: Option<String>,
}

#[derive(Args)]
#[group(required = true, multiple = false, id = "who")]
pub struct PrincipalArgs {
    /// A role (preview).
    #[arg(long, group = "who")]
    pub role: Option<String>,
    /// A workspace member id.
    #[arg(long, group = "who")]
    pub member: Option<String>,
    /// An API key id.
    #[arg(long = "api-key", group = "who")]
    pub api_key: Option<String>,
    /// An agent id (alone, in a workflow, or on behalf of a member).
    #[arg(long, group = "who")]
    pub agent: Option<String>,
    /// A principal as contract JSON, e.g. '{"agent":"a","workflow":"w"}'.
    #[arg(long, group = "who")]
    pub principal: Option<String>,
}

#[derive(Args)]
pub struct AgentContext {
    /// With --agent: the workflow it runs in (intersection of both roles).
    #[arg(long, requires = "agent", conflicts_with = "on_behalf_of")]
    pub workflow: Option<String>,
    /// With --agent: the member it acts for (intersection of both roles).
    #[arg(long = "on-behalf-of", requires = "agent")]
    pub on_behalf_of: Option<String>,
}

#[derive(Args)]
pub struct WhoArgs {
    #[command(flatten)]
    pub who: PrincipalArgs,
    #[command(flatten)]
    pub ctx: AgentContext,
}

impl WhoArgs {
    pub fn principal(&self) -> Result<Principal, Error> {
        let w = &self.who;
        if w.agent.is_none() && (self.ctx.workflow.is_some() || self.ctx.on_behalf_of.is_some()) {
            return Err(Error::one(codes::INVALID_ARG, "--workflow", "--workflow and --on-behalf-of only go with --agent"));
        }
        Ok(if let Some(r) = &w.role {
            Principal::Role(r.clone())
        } else if let Some(m) = &w.member {
            Principal::Member(m.clone())
        } else if let Some(k) = &w.api_key {
            Principal::ApiKey(k.clone())
        } else if let Some(a) = &w.agent {
            match (&self.ctx.workflow, &self.ctx.on_behalf_of) {
                (Some(wf), _) => Principal::AgentInWorkflow { agent: a.clone(), workflow: wf.clone() },
                (_, Some(m)) => Principal::AgentOnBehalfOf { agent: a.clone(), member: m.clone() },
                _ => Principal::Agent(a.clone()),
            }
        } else if let Some(p) = &w.principal {
            let v = rolegate_core::tree::value_from_str(p)
                .map_err(|e| Error::one(codes::INVALID_ARG, "--principal", format!("--principal is not JSON: {e}")))?;
            Principal::from_value(&v)?
        } else {
            return Err(Error::one(codes::INVALID_ARG, "", "name a principal"));
        })
    }
}

#[derive(Args)]
pub struct EffectiveArgs {
    #[arg(long)]
    pub snapshot: String,
    #[command(flatten)]
    pub principal: WhoArgs,
    /// The time for API-key expiry (RFC 3339 or Unix seconds); default: now.
    #[arg(long)]
    pub now: Option<String>,
}

#[derive(Args)]
pub struct ExplainArgs {
    #[arg(long)]
    pub snapshot: String,
    #[command(flatten)]
    pub principal: WhoArgs,
    #[arg(long)]
    pub object: String,
    #[arg(long)]
    pub field: Option<String>,
    /// read, update, softDelete or destroy (create = update, restore = softDelete).
    #[arg(long)]
    pub op: String,
    #[arg(long)]
    pub now: Option<String>,
}

#[derive(Args)]
pub struct TestArgs {
    /// Policy test files.
    #[arg(required = true)]
    pub files: Vec<String>,
    #[arg(long)]
    pub now: Option<String>,
}

/// Where the snapshot comes from and where the new one goes.
#[derive(Args, Clone)]
pub struct Io {
    /// The snapshot to change (or - for standard input).
    #[arg(long)]
    pub snapshot: String,
    /// Where to write the new snapshot (default: standard output).
    #[arg(long)]
    pub out: Option<String>,
}

#[derive(Args)]
pub struct ApplyArgs {
    #[arg(long)]
    pub snapshot: String,
    #[arg(long)]
    pub out: Option<String>,
    /// The operation: inline JSON, a file path, or - for standard input.
    #[arg(long)]
    pub operation: String,
}

#[derive(Args)]
pub struct RoleArgs {
    #[command(subcommand)]
    pub cmd: RoleCmd,
}

#[derive(Subcommand)]
pub enum RoleCmd {
    /// Create a role.
    #[command(
        after_help = "Example:\n  rolegate role create --snapshot ws.json --id support --label Support --read --update --assignable users,api-keys --flags EXPORT_CSV --out ws.json"
    )]
    Create(RoleCreate),
    /// Change a role's label or booleans.
    #[command(
        after_help = "Example:\n  rolegate role update --snapshot ws.json --id intern --set canReadAllObjectRecords=false --actor-role admin"
    )]
    Update(RoleUpdate),
    /// Delete a role: its members move to the default role; API keys, agents and workflows lose it.
    Delete(RoleDelete),
    /// Choose the role new members get.
    #[command(name = "set-default")]
    SetDefault(RoleId),
}

#[derive(Args)]
pub struct RoleCreate {
    #[command(flatten)]
    pub io: Io,
    /// The whole role as contract JSON (instead of the flags below).
    #[arg(long, conflicts_with_all = ["id", "label"])]
    pub json: Option<String>,
    #[arg(long, required_unless_present = "json")]
    pub id: Option<String>,
    #[arg(long, required_unless_present = "json")]
    pub label: Option<String>,
    /// canReadAllObjectRecords
    #[arg(long)]
    pub read: bool,
    /// canUpdateAllObjectRecords
    #[arg(long)]
    pub update: bool,
    /// canSoftDeleteAllObjectRecords
    #[arg(long = "soft-delete")]
    pub soft_delete: bool,
    /// canDestroyAllObjectRecords
    #[arg(long)]
    pub destroy: bool,
    /// canUpdateAllSettings
    #[arg(long = "all-settings")]
    pub all_settings: bool,
    /// canAccessAllTools
    #[arg(long = "all-tools")]
    pub all_tools: bool,
    /// Who may hold it: any of users, agents, api-keys (default: all three).
    #[arg(long, value_delimiter = ',')]
    pub assignable: Option<Vec<String>>,
    /// Permission flags, comma separated.
    #[arg(long, value_delimiter = ',')]
    pub flags: Vec<String>,
}

#[derive(Args)]
pub struct RoleUpdate {
    #[command(flatten)]
    pub io: Io,
    #[arg(long)]
    pub id: String,
    #[arg(long)]
    pub label: Option<String>,
    /// KEY=true|false for any role boolean, e.g. canUpdateAllSettings=false (repeatable).
    #[arg(long = "set")]
    pub set: Vec<String>,
    /// Roles held by whoever makes the change (enables lock-out checks).
    #[arg(long = "actor-role")]
    pub actor_role: Vec<String>,
}

#[derive(Args)]
pub struct RoleDelete {
    #[command(flatten)]
    pub io: Io,
    #[arg(long)]
    pub id: String,
    #[arg(long = "actor-role")]
    pub actor_role: Vec<String>,
}

#[derive(Args)]
pub struct RoleId {
    #[command(flatten)]
    pub io: Io,
    #[arg(long)]
    pub id: String,
}

fn bad(path: &str, msg: String) -> Error {
    Error::one(codes::INVALID_ARG, path, msg)
}

fn parse_json_arg(arg: &str, what: &str) -> Result<Value, Error> {
    let text =
        if arg.trim_start().starts_with('{') || arg.trim_start().starts_with('[') { arg.to_string() } else { super::read_input(arg)? };
    rolegate_core::tree::value_from_str(&text).map_err(|e| Error::one(codes::INVALID_JSON, what, format!("{what} is not valid JSON: {e}")))
}

impl RoleArgs {
    pub fn operation(&self) -> Result<(String, Option<String>, Value), Error> {
        Ok(match &self.cmd {
            RoleCmd::Create(c) => {
                let role = match &c.json {
                    Some(j) => parse_json_arg(j, "--json")?,
                    None => {
                        let assignable = c.assignable.clone().unwrap_or_else(|| vec!["users".into(), "agents".into(), "api-keys".into()]);
                        for a in &assignable {
                            if !["users", "agents", "api-keys"].contains(&a.as_str()) {
                                return Err(bad("--assignable", format!("unknown target kind \"{a}\" (users, agents, api-keys)")));
                            }
                        }
                        json!({
                            "id": c.id, "label": c.label,
                            "canUpdateAllSettings": c.all_settings, "canAccessAllTools": c.all_tools,
                            "canReadAllObjectRecords": c.read, "canUpdateAllObjectRecords": c.update,
                            "canSoftDeleteAllObjectRecords": c.soft_delete, "canDestroyAllObjectRecords": c.destroy,
                            "canBeAssignedToUsers": assignable.iter().any(|a| a == "users"),
                            "canBeAssignedToAgents": assignable.iter().any(|a| a == "agents"),
                            "canBeAssignedToApiKeys": assignable.iter().any(|a| a == "api-keys"),
                            "permissionFlags": c.flags,
                        })
                    }
                };
                (c.io.snapshot.clone(), c.io.out.clone(), json!({"op": "createRole", "role": role}))
            }
            RoleCmd::Update(u) => {
                let mut changes = Map::new();
                if let Some(l) = &u.label {
                    changes.insert("label".into(), json!(l));
                }
                for kv in &u.set {
                    let (k, v) = kv.split_once('=').ok_or_else(|| bad("--set", format!("--set takes KEY=true|false, got \"{kv}\"")))?;
                    let v: bool = v.parse().map_err(|_| bad("--set", format!("--set {k}: \"{v}\" is not true or false")))?;
                    changes.insert(k.to_string(), json!(v));
                }
                let mut op = json!({"op": "updateRole", "roleId": u.id, "changes": changes});
                if !u.actor_role.is_empty() {
                    op["actorRoleIds"] = json!(u.actor_role);
                }
                (u.io.snapshot.clone(), u.io.out.clone(), op)
            }
            RoleCmd::Delete(d) => {
                let mut op = json!({"op": "deleteRole", "roleId": d.id});
                if !d.actor_role.is_empty() {
                    op["actorRoleIds"] = json!(d.actor_role);
                }
                (d.io.snapshot.clone(), d.io.out.clone(), op)
            }
            RoleCmd::SetDefault(r) => (r.io.snapshot.clone(), r.io.out.clone(), json!({"op": "setDefaultRole", "roleId": r.id})),
        })
    }
}

#[derive(Args)]
pub struct RuleArgs {
    #[command(subcommand)]
    pub cmd: RuleCmd,
}

#[derive(Subcommand)]
pub enum RuleCmd {
    /// Upsert a role's rule for one object (true grants, false denies, null inherits; omitted keeps).
    #[command(
        after_help = "Example:\n  rolegate rule object --snapshot ws.json --role intern --object opportunity --read false --out ws.json"
    )]
    Object(RuleObject),
    /// Upsert a field restriction (false restricts, null clears; omitted keeps). Relation rules are mirrored on the inverse field.
    #[command(
        after_help = "Example:\n  rolegate rule field --snapshot ws.json --role intern --object person --field address --read false --update false"
    )]
    Field(RuleField),
    /// Replace a role's permission flags with the given list.
    #[command(after_help = "Example:\n  rolegate rule flags --snapshot ws.json --role intern --flags EXPORT_CSV,IMPORT_CSV")]
    Flags(RuleFlags),
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Tri {
    True,
    False,
    Null,
}

impl Tri {
    fn json(self) -> Value {
        match self {
            Tri::True => json!(true),
            Tri::False => json!(false),
            Tri::Null => Value::Null,
        }
    }
}

#[derive(Args)]
pub struct RuleObject {
    #[command(flatten)]
    pub io: Io,
    #[arg(long)]
    pub role: String,
    #[arg(long)]
    pub object: String,
    #[arg(long, value_enum)]
    pub read: Option<Tri>,
    #[arg(long, value_enum)]
    pub update: Option<Tri>,
    #[arg(long = "soft-delete", value_enum)]
    pub soft_delete: Option<Tri>,
    #[arg(long, value_enum)]
    pub destroy: Option<Tri>,
}

#[derive(Args)]
pub struct RuleField {
    #[command(flatten)]
    pub io: Io,
    #[arg(long)]
    pub role: String,
    #[arg(long)]
    pub object: String,
    #[arg(long)]
    pub field: String,
    #[arg(long, value_enum)]
    pub read: Option<Tri>,
    #[arg(long, value_enum)]
    pub update: Option<Tri>,
}

#[derive(Args)]
pub struct RuleFlags {
    #[command(flatten)]
    pub io: Io,
    #[arg(long)]
    pub role: String,
    /// The complete list (comma separated); empty removes every flag.
    #[arg(long, value_delimiter = ',', num_args = 0..)]
    pub flags: Vec<String>,
}

impl RuleArgs {
    pub fn operation(&self) -> Result<(String, Option<String>, Value), Error> {
        Ok(match &self.cmd {
            RuleCmd::Object(r) => {
                let mut row = json!({"object": r.object});
                for (k, v) in [("canRead", r.read), ("canUpdate", r.update), ("canSoftDelete", r.soft_delete), ("canDestroy", r.destroy)] {
                    if let Some(v) = v {
                        row[k] = v.json();
                    }
                }
                (r.io.snapshot.clone(), r.io.out.clone(), json!({"op": "upsertObjectPermissions", "roleId": r.role, "rows": [row]}))
            }
            RuleCmd::Field(r) => {
                let mut row = json!({"object": r.object, "field": r.field});
                for (k, v) in [("canRead", r.read), ("canUpdate", r.update)] {
                    if let Some(v) = v {
                        row[k] = v.json();
                    }
                }
                (r.io.snapshot.clone(), r.io.out.clone(), json!({"op": "upsertFieldPermissions", "roleId": r.role, "rows": [row]}))
            }
            RuleCmd::Flags(r) => {
                let flags: Vec<&String> = r.flags.iter().filter(|f| !f.is_empty()).collect();
                (r.io.snapshot.clone(), r.io.out.clone(), json!({"op": "setPermissionFlags", "roleId": r.role, "flags": flags}))
            }
        })
    }
}

#[derive(Args)]
pub struct AssignArgs {
    #[command(subcommand)]
    pub cmd: AssignCmd,
}

#[derive(Subcommand)]
pub enum AssignCmd {
    /// Give a member a role.
    #[command(after_help = "Example:\n  rolegate assign member --snapshot ws.json --id m-bob --role member --actor m-ada")]
    Member(AssignTo),
    /// Give an API key a role (--role none removes it).
    #[command(name = "api-key")]
    ApiKey(AssignTo),
    /// Give an agent a role (--role none removes it).
    Agent(AssignTo),
}

#[derive(Args)]
pub struct AssignTo {
    #[command(flatten)]
    pub io: Io,
    /// The member, API key or agent id.
    #[arg(long)]
    pub id: String,
    /// The role id, or `none`.
    #[arg(long)]
    pub role: String,
    /// The member making the change (enables self and last-Admin checks).
    #[arg(long)]
    pub actor: Option<String>,
}

impl AssignArgs {
    pub fn operation(&self) -> Result<(String, Option<String>, Value), Error> {
        let (kind, a) = match &self.cmd {
            AssignCmd::Member(a) => ("member", a),
            AssignCmd::ApiKey(a) => ("apiKey", a),
            AssignCmd::Agent(a) => ("agent", a),
        };
        let role = if a.role == "none" { Value::Null } else { json!(a.role) };
        let mut op = json!({"op": "assignRole", "target": {kind: a.id}, "roleId": role});
        if let Some(actor) = &a.actor {
            op["actorMemberId"] = json!(actor);
        }
        Ok((a.io.snapshot.clone(), a.io.out.clone(), op))
    }
}

#[derive(Args)]
pub struct MemberArgs {
    #[command(subcommand)]
    pub cmd: MemberCmd,
}

#[derive(Subcommand)]
pub enum MemberCmd {
    /// Add a member; they get the default role.
    #[command(after_help = "Example:\n  rolegate member add --snapshot ws.json --id m-new --name 'New Person'")]
    Add(MemberAdd),
}

#[derive(Args)]
pub struct MemberAdd {
    #[command(flatten)]
    pub io: Io,
    #[arg(long)]
    pub id: String,
    #[arg(long)]
    pub name: String,
}

impl MemberArgs {
    pub fn operation(&self) -> Result<(String, Option<String>, Value), Error> {
        let MemberCmd::Add(m) = &self.cmd;
        Ok((m.io.snapshot.clone(), m.io.out.clone(), json!({"op": "addMember", "member": {"id": m.id, "name": m.name}})))
    }
}

#[derive(Args)]
pub struct ApiKeyArgs {
    #[command(subcommand)]
    pub cmd: ApiKeyCmd,
}

#[derive(Subcommand)]
pub enum ApiKeyCmd {
    /// Revoke an API key (from then on it has no access).
    #[command(after_help = "Example:\n  rolegate api-key revoke --snapshot ws.json --id 5f0c2a8e-1b7d-4c3a-9e6f-0a1b2c3d4e5f")]
    Revoke(KeyRevoke),
}

#[derive(Args)]
pub struct KeyRevoke {
    #[command(flatten)]
    pub io: Io,
    #[arg(long)]
    pub id: String,
    /// Revocation time (RFC 3339 or Unix seconds); default: now.
    #[arg(long)]
    pub at: Option<String>,
}

impl ApiKeyArgs {
    pub fn operation(&self, at: i64) -> Result<(String, Option<String>, Value), Error> {
        let ApiKeyCmd::Revoke(k) = &self.cmd;
        let at = rolegate_core::model::format_timestamp(at);
        Ok((k.io.snapshot.clone(), k.io.out.clone(), json!({"op": "revokeApiKey", "apiKeyId": k.id, "at": at})))
    }
}

impl ApplyArgs {
    pub fn operation_value(&self) -> Result<Value, Error> {
        parse_json_arg(&self.operation, "--operation")
    }
}

#[derive(Args)]
pub struct KeygenArgs {
    /// The key id the worker knows this key by.
    #[arg(long = "key-id", default_value = "k1")]
    pub key_id: String,
    /// Where to write the private key file (created with mode 0600; refuses to overwrite).
    #[arg(long)]
    pub out: String,
}

#[derive(Args)]
pub struct SignArgs {
    /// Private key file from `rolegate keygen`.
    #[arg(long)]
    pub key: String,
    #[arg(long)]
    pub snapshot: String,
    /// Where to write the envelope (default: standard output).
    #[arg(long)]
    pub out: Option<String>,
}

#[derive(Args)]
pub struct VerifyArgs {
    #[arg(long)]
    pub envelope: String,
    /// SNAPSHOT_PUBLIC_KEYS JSON ({"keyId": "base64url key"}), inline or a file path.
    #[arg(long = "public-keys")]
    pub public_keys: String,
    /// The workspace the envelope must hold.
    #[arg(long)]
    pub workspace: Option<String>,
    /// Refuse revisions older than this one.
    #[arg(long = "min-revision")]
    pub min_revision: Option<u64>,
}

#[derive(Args)]
pub struct TokenArgs {
    #[command(subcommand)]
    pub cmd: TokenCmd,
}

#[derive(Subcommand)]
pub enum TokenCmd {
    /// An API-key token signed like Twenty does (HS256, per-workspace secret from APP_SECRET).
    #[command(
        name = "api-key",
        after_help = "Example:\n  TWENTY_APP_SECRET=dev-secret rolegate token api-key --snapshot ws.json --api-key 5f0c2a8e-1b7d-4c3a-9e6f-0a1b2c3d4e5f --ttl 1h"
    )]
    ApiKey(ApiKeyToken),
    /// A short-lived agent token (HS256 with AGENT_TOKEN_SECRET), alone, in a workflow, or on behalf of a member.
    #[command(
        after_help = "Example:\n  AGENT_TOKEN_SECRET=... rolegate token agent --snapshot ws.json --agent agent-research --workflow wf-research --ttl 15m"
    )]
    Agent(AgentToken),
}

#[derive(Args)]
pub struct AgentToken {
    #[arg(long)]
    pub snapshot: String,
    #[arg(long)]
    pub agent: String,
    #[arg(long, conflicts_with = "on_behalf_of")]
    pub workflow: Option<String>,
    #[arg(long = "on-behalf-of")]
    pub on_behalf_of: Option<String>,
    #[arg(long, default_value = "15m")]
    pub ttl: String,
    #[arg(long = "secret-env", default_value = "AGENT_TOKEN_SECRET")]
    pub secret_env: String,
}

#[derive(Args)]
pub struct ApiKeyToken {
    /// The snapshot (for the workspace id and to check the key exists).
    #[arg(long)]
    pub snapshot: String,
    #[arg(long = "api-key")]
    pub api_key: String,
    /// Lifetime: seconds, or with a unit (30m, 1h, 7d).
    #[arg(long, default_value = "1h")]
    pub ttl: String,
    /// The environment variable holding Twenty's APP_SECRET.
    #[arg(long = "secret-env", default_value = "TWENTY_APP_SECRET")]
    pub secret_env: String,
}

/// `90`, `30s`, `15m`, `1h`, `7d` as seconds.
pub fn parse_ttl(s: &str) -> Result<i64, Error> {
    let (num, unit) = s.trim().split_at(s.trim().find(|c: char| !c.is_ascii_digit()).unwrap_or(s.trim().len()));
    let n: i64 = num.parse().map_err(|_| bad("--ttl", format!("--ttl \"{s}\" is not like 90, 15m, 1h or 7d")))?;
    let mult = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => return Err(bad("--ttl", format!("--ttl \"{s}\" has an unknown unit (s, m, h, d)"))),
    };
    Ok(n * mult)
}

#[derive(Args)]
pub struct PushArgs {
    /// The envelope from `rolegate sign` (its shape and snapshot checked before it is written;
    /// its signature too with --public-keys).
    #[arg(long)]
    pub envelope: String,
    /// Write to wrangler's local KV (what `wrangler dev --local` reads).
    #[arg(long, conflicts_with = "namespace_id")]
    pub local: bool,
    /// Write to this real KV namespace.
    #[arg(long = "namespace-id", required_unless_present = "local")]
    pub namespace_id: Option<String>,
    /// The KV binding name in wrangler.toml (for --local).
    #[arg(long, default_value = "SNAPSHOTS")]
    pub binding: String,
    /// SNAPSHOT_PUBLIC_KEYS to check the envelope against before pushing (inline JSON or a file).
    #[arg(long = "public-keys")]
    pub public_keys: Option<String>,
    /// The wrangler executable.
    #[arg(long, default_value = "wrangler")]
    pub wrangler: String,
    /// Print the wrangler command instead of running it.
    #[arg(long = "dry-run")]
    pub dry_run: bool,
}

#[derive(Args)]
pub struct AuditArgs {
    /// Log file, or - for standard input.
    pub file: String,
    /// Only this principal (API key id, agent id, member or role id).
    #[arg(long)]
    pub principal: Option<String>,
    /// Only requests touching this object.
    #[arg(long)]
    pub object: Option<String>,
    /// Only allow, deny or redacted.
    #[arg(long)]
    pub decision: Option<String>,
}

#[derive(Args)]
pub struct ImportArgs {
    #[command(subcommand)]
    pub cmd: ImportCmd,
}

#[derive(Subcommand)]
pub enum ImportCmd {
    /// From the JSON answers of Twenty's metadata API (see --queries).
    Twenty(ImportTwenty),
}

/// Choices the answers of Twenty do not carry.
#[derive(Args, Clone)]
pub struct MappingArgs {
    /// The workspace id (default: currentWorkspace.id in the roles answer).
    #[arg(long = "workspace-id")]
    pub workspace_id: Option<String>,
    /// The default role, by id or label (default: currentWorkspace.defaultRole).
    #[arg(long = "default-role")]
    pub default_role: Option<String>,
    /// The Admin role, by id or label (default: the non-editable role labelled Admin).
    #[arg(long = "admin-role")]
    pub admin_role: Option<String>,
    /// A previous snapshot of the workspace: the new revision is its revision + 1, its
    /// options and workflows are kept, and the changes are shown.
    #[arg(long)]
    pub previous: Option<String>,
    /// The revision (default: previous + 1, else the current Unix time, so a later import
    /// always supersedes an earlier one at the edge).
    #[arg(long, conflicts_with = "previous")]
    pub revision: Option<u64>,
    /// options.apiKeysWithoutRole: defaultRole (the documented behaviour) or deny (what
    /// recent Twenty servers do). Default: the previous snapshot's, else defaultRole.
    #[arg(long = "api-keys-without-role", value_parser = ["defaultRole", "deny"])]
    pub api_keys_without_role: Option<String>,
}

#[derive(Args)]
pub struct ImportTwenty {
    /// Print the GraphQL queries (and curl commands) whose answers this command reads, and exit.
    #[arg(long, conflicts_with_all = [
        "objects", "roles", "api_keys", "members", "out",
        "workspace_id", "default_role", "admin_role", "previous", "revision", "api_keys_without_role",
    ])]
    pub queries: bool,
    /// The answer to the objects query (objects with fieldsList and relations).
    #[arg(long, required_unless_present = "queries")]
    pub objects: Option<String>,
    /// The answer to the roles query (getRoles with rules and role targets, currentWorkspace).
    #[arg(long, required_unless_present = "queries")]
    pub roles: Option<String>,
    /// The answer to the apiKeys query (keys without a role, expiry).
    #[arg(long = "api-keys")]
    pub api_keys: Option<String>,
    /// The answer to the workspaceMembers query (on /graphql).
    #[arg(long)]
    pub members: Option<String>,
    #[command(flatten)]
    pub mapping: MappingArgs,
    /// Where to write the snapshot (default: standard output).
    #[arg(long)]
    pub out: Option<String>,
}

#[derive(Args)]
pub struct SyncArgs {
    /// The Twenty server (https://crm.example.com); /metadata and /graphql are appended.
    #[arg(long)]
    pub url: String,
    /// The environment variable holding a Twenty API key (never given on the command line).
    /// Its role needs the Roles, Data model and API keys settings permissions.
    #[arg(long = "api-key-env", default_value = "TWENTY_API_KEY")]
    pub api_key_env: String,
    #[command(flatten)]
    pub mapping: MappingArgs,
    /// Where to write the snapshot (default: standard output).
    #[arg(long)]
    pub out: Option<String>,
    /// Also keep Twenty's raw answers in this folder (objects.json, roles.json, ...), for
    /// `rolegate import twenty` and for the record.
    #[arg(long = "save-answers")]
    pub save_answers: Option<String>,
    /// Sign the snapshot with this key file (from `rolegate keygen`).
    #[arg(long = "sign-key")]
    pub sign_key: Option<String>,
    /// Where to write the signed envelope (default: next to --out, as <out>.envelope.json).
    #[arg(long = "envelope-out", requires = "sign_key")]
    pub envelope_out: Option<String>,
    /// Push the signed envelope to Workers KV (needs --sign-key and --local or --namespace-id).
    #[arg(long, requires = "sign_key")]
    pub push: bool,
    /// With --push: wrangler's local KV.
    #[arg(long, requires = "push", conflicts_with = "namespace_id")]
    pub local: bool,
    /// With --push: this real KV namespace.
    #[arg(long = "namespace-id", requires = "push")]
    pub namespace_id: Option<String>,
    /// With --push: the KV binding name (for --local).
    #[arg(long, default_value = "SNAPSHOTS")]
    pub binding: String,
    /// With --push: the wrangler executable.
    #[arg(long, default_value = "wrangler")]
    pub wrangler: String,
    /// Seconds to wait for each answer of the server (1 to 86400).
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub timeout: u64,
}

#[derive(Args)]
pub struct DiffArgs {
    /// The snapshot before (what is deployed).
    pub old: String,
    /// The snapshot after (what is proposed).
    pub new: String,
    /// The time for API-key expiry (RFC 3339 or Unix seconds; default now).
    #[arg(long)]
    pub now: Option<String>,
}

#[derive(Args)]
pub struct WhoCanArgs {
    #[arg(long)]
    pub snapshot: String,
    #[arg(long, required_unless_present = "flag", requires = "op")]
    pub object: Option<String>,
    #[arg(long, requires = "object")]
    pub field: Option<String>,
    /// read, update, softDelete or destroy (create and restore are aliases of update and softDelete).
    #[arg(long, requires = "object")]
    pub op: Option<String>,
    /// A permission flag instead of an object operation.
    #[arg(long, conflicts_with_all = ["object", "field", "op"])]
    pub flag: Option<String>,
    /// The time for API-key expiry (RFC 3339 or Unix seconds; default now).
    #[arg(long)]
    pub now: Option<String>,
}
