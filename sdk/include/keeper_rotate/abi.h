/*
 * keeper-rotate plugin ABI, version 1.
 *
 * This header is the only contract between the keeper-rotate host and a plugin shared object. It is pure C on
 * purpose: C layouts and calling conventions are stable across compilers, standard libraries and their versions,
 * so a plugin built elsewhere, by someone else, keeps loading as the host evolves. The C++ SDK
 * (keeper_rotate/sdk.hpp) is a header-only layer over it; most authors never touch this file directly.
 *
 * Versioning rules (see sdk/docs/abi-policy.md):
 *   - KR_ABI_MAJOR changes only when an existing layout or meaning changes. Host and plugin majors must match.
 *   - KR_ABI_MINOR grows when members are appended. A host accepts every plugin whose minor is <= its own, and a
 *     plugin of a newer minor when the plugin's tag declares that it needs no more than the host's minor
 *     (kr_abi_tag::min_host_minor, ABI 1.2).
 *   - Every struct starts with `struct_size` (the tag with its minor); members are only ever appended. Readers
 *     check struct_size before touching a member added in a later minor, in both directions.
 *
 * Loading sequence (the host guarantees this order):
 *   1. dlopen(RTLD_NOW | RTLD_LOCAL). Plugins must not run code in static initialisers beyond constant data.
 *   2. Read the data symbol `keeper_rotate_abi_tag` (a kr_abi_tag) WITHOUT calling any plugin function; refuse the
 *      plugin with a precise message if magic, major or minor do not fit.
 *   3. Call `keeper_rotate_plugin_v1()` to get the static descriptor: metadata only, no side effects.
 *   4. Only for a rotation: descriptor->create(), then the kind's operations, then descriptor->destroy().
 *
 * Ownership and lifetime:
 *   - Everything the plugin hands out (descriptor, field specs, strings in them) is static and lives as long as
 *     the library is loaded; the host keeps libraries loaded until process exit.
 *   - kr_view values that the host hands to a plugin are borrowed: valid until the operation returns. Copy what
 *     you keep. Views of secrets must be copied only into zeroing storage (keeper_rotate::Secret).
 *   - Strings the plugin passes to host callbacks are copied by the host before the callback returns.
 *
 * Threading: the host calls a plugin from one thread at a time. Callbacks may only be used from within an
 * operation, on the thread that called it, with the kr_context passed to that operation.
 *
 * Exceptions: no C++ exception may cross this boundary in either direction. The SDK's registration macro wraps
 * every operation in a catch-all that turns an exception into KR_ERR_INTERNAL with the exception's message.
 */
#ifndef KEEPER_ROTATE_ABI_H
#define KEEPER_ROTATE_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KR_ABI_MAJOR 1
#define KR_ABI_MINOR 4

/** Magic value at the start of kr_abi_tag: "KRAB" in ASCII. Guards against a same-named symbol of another kind. */
#define KR_ABI_MAGIC 0x4B524142u

/** Name of the exported data symbol holding the plugin's kr_abi_tag. */
#define KR_ABI_TAG_SYMBOL "keeper_rotate_abi_tag"
/** Name of the exported entry function of type kr_plugin_entry_fn. */
#define KR_ENTRY_SYMBOL "keeper_rotate_plugin_v1"

/** Read by the host before any plugin code runs. */
typedef struct kr_abi_tag {
  uint32_t magic;             /**< KR_ABI_MAGIC */
  uint16_t abi_major;         /**< KR_ABI_MAJOR the plugin was compiled against */
  uint16_t abi_minor;         /**< KR_ABI_MINOR the plugin was compiled against */
  uint32_t descriptor_size;   /**< sizeof(kr_plugin_descriptor) as the plugin knows it */
  /* ---- ABI 1.2 (present when abi_minor >= 2) ---- */
  /** The oldest host minor this plugin works with: it checks struct_size before every host callback and host
   *  table member newer than that minor. A host older than abi_minor loads the plugin only when its own minor is
   *  at least this. The SDK sets it to KR_ABI_MINOR unless KEEPER_ROTATE_MIN_HOST_MINOR says otherwise. */
  uint16_t min_host_minor;
  uint16_t reserved;          /**< 0 */
} kr_abi_tag;

/** Outcome of an operation. The host maps these to exit codes together with the pipeline step. */
typedef enum kr_status {
  KR_OK = 0,
  /** Configuration is wrong or incomplete (field, credential, permission). Nothing was changed. */
  KR_ERR_CONFIG = 1,
  /** A credential source has nothing to offer for this run; the host tries the next source in the chain. */
  KR_ERR_UNAVAILABLE = 2,
  /** The operation failed; the error text says why. State is as documented for the operation. */
  KR_ERR_FAILED = 3,
  /** A bug or an unexpected condition (including a caught exception). */
  KR_ERR_INTERNAL = 4
} kr_status;

typedef enum kr_kind {
  KR_KIND_PROVIDER = 1,          /**< rotates a credential in some system (kr_provider_ops) */
  KR_KIND_CREDENTIAL_SOURCE = 2, /**< supplies the admin credential a provider needs (kr_credential_source_ops) */
  KR_KIND_RECORD_WRITER = 3      /**< stores the rotation result back into Keeper (kr_record_writer_ops) */
} kr_kind;

typedef enum kr_log_level { KR_LOG_DEBUG = 0, KR_LOG_INFO = 1, KR_LOG_WARN = 2, KR_LOG_ERROR = 3 } kr_log_level;

/** A borrowed byte range. Not NUL-terminated unless stated. */
typedef struct kr_view {
  const char* data;
  size_t size;
} kr_view;

/* ---- Field metadata ---------------------------------------------------------------------------------------- */

/** Field flags (bit set). */
#define KR_FIELD_INPUT 0x01u        /**< the plugin reads this field */
#define KR_FIELD_OUTPUT 0x02u       /**< the plugin produces this field (the writer stores it) */
#define KR_FIELD_REQUIRED 0x04u     /**< an input that must be present and non-empty */
#define KR_FIELD_SECRET 0x08u       /**< the value is secret: redacted everywhere, stored as a hidden field */
#define KR_FIELD_OTHER_RECORD 0x10u /**< lives on another record (e.g. an attached admin record), not the PAM User;
                                         documented, but not validated against the PAM User record */

/**
 * One record field a plugin reads or writes. Labels are exact and case-sensitive: they are what admins type into
 * Keeper. The host validates every INPUT field of the selected plugins against the PAM User record before any
 * plugin operation runs: required fields present, enum values among `allowed_values`, integers in range.
 */
typedef struct kr_field_spec {
  uint32_t struct_size;       /**< sizeof(kr_field_spec) */
  const char* label;          /**< record field label, e.g. "application_object_id" */
  const char* type;           /**< Keeper field type: "text" or "secret" (value shape; "secret" implies KR_FIELD_SECRET) */
  const char* value_kind;     /**< "string", "int", "enum", "url" or "uuid": how the host validates an input */
  uint32_t flags;             /**< KR_FIELD_* */
  const char* default_value;  /**< applied by the host when an optional input is absent; NULL for none */
  const char* allowed_values; /**< for "enum": values separated by '|', e.g. "delete-all|keep-previous|keep-all" */
  int64_t min_value;          /**< for "int": inclusive bounds */
  int64_t max_value;
  const char* description;    /**< one sentence for `plugins describe` and the import template */
} kr_field_spec;

/* ---- Admin credential declaration (ABI 1.2) ---------------------------------------------------------------- */

/** Credential part flags (bit set). */
#define KR_CREDENTIAL_SECRET 0x01u   /**< the value is secret: registered for redaction by every source */
#define KR_CREDENTIAL_OPTIONAL 0x02u /**< the credential is complete without it (e.g. a session token) */

/**
 * One part of the admin credential a provider needs, and where each first-party credential source looks for it.
 * A NULL location means that source does not read this part there; a source that finds none of the required
 * parts it knows the locations of has nothing to offer. See sdk/docs/credentials.md.
 */
typedef struct kr_credential_part {
  uint32_t struct_size;       /**< sizeof(kr_credential_part) */
  const char* name;           /**< the name the provider reads with credential_get, e.g. "client_secret" */
  uint32_t flags;             /**< KR_CREDENTIAL_* */
  const char* record_label;   /**< `attached-record`: label of the field on the admin record attached to the script */
  const char* config_field;   /**< `pam-config`: label of the field on the PAM Configuration record */
  const char* env_var;        /**< `env`: environment variable */
  const char* description;    /**< one sentence for `plugins describe` */
} kr_credential_part;

/**
 * The admin credential a provider needs. Static data of the provider; the host hands sources a copy in its own
 * layout (kr_host_api::credential_spec), so sources never read another plugin's memory.
 */
typedef struct kr_credential_spec {
  uint32_t struct_size;       /**< sizeof(kr_credential_spec) */
  /** What kind of credential this is, e.g. "azure-client-secret", "aws-access-key". Sources that produce a
   *  credential by other means than reading static parts (an instance role, a managed identity) declare the
   *  schemes they can produce; see sdk/docs/credentials.md. */
  const char* scheme;
  /** How messages name the credential's owner, e.g. "admin app" ("an admin app record", "the admin app's ..."). */
  const char* subject;
  /** How messages name the PAM Configuration that carries it, e.g. "Azure" ("the Azure PAM Configuration"). */
  const char* configuration;
  const kr_credential_part* parts; /**< step by parts[0].struct_size, as for field tables */
  size_t part_count;
} kr_credential_spec;

/* ---- Host services ----------------------------------------------------------------------------------------- */

/** Opaque per-operation context owned by the host. */
typedef struct kr_context kr_context;

/** Where removed/remaining credential ids are reported (summary line, exit code 5 decisions). */
typedef enum kr_key_event {
  KR_KEY_CREATED = 1,   /**< a new credential exists (its id); the host will roll it back on later failure */
  KR_KEY_REMOVED = 2,   /**< an old credential was removed */
  KR_KEY_REMAINING = 3, /**< an old credential that should have been removed is still there */
  KR_KEY_KEPT = 4       /**< an old credential kept on purpose (policy) */
} kr_key_event;

/* ---- HTTPS through the host (ABI 1.4) ---------------------------------------------------------------------- */

/** One HTTP header: a borrowed name and value. */
typedef struct kr_http_header {
  kr_view name;
  kr_view value;
} kr_http_header;

/** Request flags (bit set). */
#define KR_HTTPS_NO_PROXY 0x01u /**< never through HTTPS_PROXY (a service on the machine itself) */

/**
 * One HTTPS request a plugin asks the host to send (kr_host_api::https_send). Every view is borrowed for the call;
 * the host copies what it sends into storage it zeroes. The client settings (timeouts, trusted CAs, proxy use, user
 * agent, plain-HTTP hosts) are those of the plugin's HTTPS client; requests with the same trust, proxy use, user agent
 * and plain-HTTP hosts share the host's kept-alive connections and its one TLS context for that trust.
 */
typedef struct kr_https_request {
  uint32_t struct_size;            /**< sizeof(kr_https_request) */
  uint32_t flags;                  /**< KR_HTTPS_* */
  kr_view method;                  /**< "GET", "POST", ... */
  kr_view url;                     /**< absolute https:// URL (http:// only for loopback and plain_http_hosts) */
  const kr_http_header* headers;   /**< may be NULL when header_count is 0 */
  size_t header_count;
  kr_view body;
  uint64_t connect_timeout_ms;     /**< per address tried */
  uint64_t io_timeout_ms;          /**< per send or receive */
  kr_view ca_file;                 /**< PEM bundle to trust; empty: SSL_CERT_FILE, else the system store */
  kr_view user_agent;              /**< empty: "keeper-rotate" */
  const kr_view* plain_http_hosts; /**< hosts besides loopback that may be reached over plain http:// */
  size_t plain_http_host_count;
} kr_https_request;

/** Why https_send found no HTTP answer. Numbered as the SDK's keeper_rotate::https::TransportFailure plus one. */
typedef enum kr_https_failure {
  KR_HTTPS_FAILURE_NONE = 0,
  KR_HTTPS_FAILURE_CONNECT = 1,      /**< TCP connect failed, temporary DNS failure, a proxy's 5xx to CONNECT */
  KR_HTTPS_FAILURE_TIMEOUT = 2,      /**< connect, send or receive timed out */
  KR_HTTPS_FAILURE_DROPPED = 3,      /**< the connection closed or reset during the exchange */
  KR_HTTPS_FAILURE_TLS = 4,          /**< TLS failure other than certificate verification */
  KR_HTTPS_FAILURE_CERTIFICATE = 5,  /**< permanent: the certificate does not verify against the trusted CAs */
  KR_HTTPS_FAILURE_HOST_NAME = 6,    /**< permanent: the certificate is not issued for the URL's host */
  KR_HTTPS_FAILURE_UNKNOWN_HOST = 7, /**< permanent: DNS says the host name does not exist */
  KR_HTTPS_FAILURE_PROXY_REFUSED = 8,/**< permanent: the HTTPS_PROXY answered CONNECT with a 4xx status */
  KR_HTTPS_FAILURE_INVALID = 9       /**< permanent: the request cannot be sent as asked */
} kr_https_failure;

/**
 * What https_send got. The caller sets struct_size; the host fills the members that fit. Views point into host
 * storage that stays valid until the next https_send with the same kr_context or until the operation returns,
 * and that the host zeroes then: copy what you keep (bodies may carry secrets) into zeroing storage.
 */
typedef struct kr_https_response {
  uint32_t struct_size;          /**< sizeof(kr_https_response), set by the caller */
  int32_t status;                /**< HTTP status (KR_OK only) */
  kr_view reason;
  const kr_http_header* headers; /**< in the order received */
  size_t header_count;
  kr_view body;
  uint32_t failure;              /**< kr_https_failure (KR_ERR_FAILED only) */
  kr_view failure_message;       /**< names the host and the cause; never a request body (KR_ERR_FAILED only) */
} kr_https_response;

/**
 * Callbacks the host offers to a plugin during an operation. Append-only; check struct_size for members added
 * after minor 0. Every function returning kr_status returns KR_ERR_UNAVAILABLE when the value does not exist.
 */
typedef struct kr_host_api {
  uint32_t struct_size;
  uint16_t abi_major;
  uint16_t abi_minor;

  /** Log one line. The host redacts every known secret value before it reaches stderr. */
  void (*log)(kr_context* ctx, kr_log_level level, const char* message);

  /**
   * Describe the failure of the current operation: a stable machine code (e.g. "graph.Authorization_RequestDenied")
   * and a message that tells an admin what to fix. Call it before returning a non-OK status.
   */
  void (*set_error)(kr_context* ctx, const char* code, const char* message);

  /** A top-level key of the Gateway input: "providerRecordUid", "resourceRecordUid", "userRecordUid", "user". */
  kr_status (*input_get)(kr_context* ctx, const char* key, kr_view* out);

  /** A field of the PAM User record by label, after the host applied defaults from field metadata. */
  kr_status (*field_get)(kr_context* ctx, const char* label, kr_view* out);

  /** Number of records in the Gateway's `records` array. */
  size_t (*record_count)(kr_context* ctx);
  /** A value of record `index`: "uid", "title", or a field label/type key as the Gateway wrote it. */
  kr_status (*record_get)(kr_context* ctx, size_t index, const char* key, kr_view* out);

  /** The admin credential resolved by the credential source: "tenant_id", "client_id", "client_secret", ... */
  kr_status (*credential_get)(kr_context* ctx, const char* name, kr_view* out);
  /** For credential sources: supply one credential part. `secret` != 0 registers it for redaction. */
  void (*credential_put)(kr_context* ctx, const char* name, const char* value, size_t size, int secret);

  /** Rotation results: the provider puts OUTPUT fields (by label), the writer gets them. */
  void (*result_put)(kr_context* ctx, const char* label, const char* value, size_t size, int secret);
  kr_status (*result_get)(kr_context* ctx, const char* label, kr_view* out);

  /** Report what happened to a credential id (see kr_key_event). */
  void (*report_key)(kr_context* ctx, kr_key_event event, const char* key_id);

  /** Host settings a plugin may need: "ksm_config" (the --ksm-config path; absent when not given, the KSM client
   *  then falls back to KSM_CONFIG and the Gateway's config), "dry_run" ("1"/"0"), "attached_file" (path the
   *  Gateway appended, may be absent), "verbose" ("1"/"0"), "rehearsal" ("1" when the record writer is not
   *  durable: the new credential is removed again and old ones are never touched, so a provider must not delete
   *  anything either, e.g. to free a slot; "0" otherwise); ABI 1.3: "journaled_key_ids" (comma-separated ids of
   *  credentials an earlier, killed run of this provider created and Keeper does not hold; the host removes them
   *  through `remove` right after validate, so validate may plan as if they were gone), "remove_key_id" (during
   *  `remove`). */
  kr_status (*setting_get)(kr_context* ctx, const char* key, kr_view* out);

  /** Register a value the plugin discovered (token, secret read from elsewhere) for redaction in all output. */
  void (*register_secret)(kr_context* ctx, const char* value, size_t size);

  /* ---- ABI 1.1: a plugin built against 1.1 checks struct_size before using these (the SDK does). ---- */

  /** Number of rotation results put so far; lets a writer store whatever any provider produced. */
  size_t (*result_count)(kr_context* ctx);
  /** Result `index` (0 <= index < result_count): its label, value, and whether it is secret (1) or not (0). */
  kr_status (*result_at)(kr_context* ctx, size_t index, kr_view* label, kr_view* value, int* secret);

  /* ---- ABI 1.2 ---- */

  /** The admin credential the selected provider declares (kr_provider_ops::credential), in this host's layout,
   *  valid for the whole run; NULL when the provider declares none (then only required_credentials is known). */
  const kr_credential_spec* (*credential_spec)(kr_context* ctx);
  /** The Keeper field type the provider's metadata declares for OUTPUT field `label` ("text", "secret", ...);
   *  KR_ERR_UNAVAILABLE when the provider does not declare that label. Writers use it to create missing fields. */
  kr_status (*result_field_type)(kr_context* ctx, const char* label, kr_view* out);

  /* ---- ABI 1.3: stopping and time budgets (docs/contract.md, "Stopped runs and time budgets") ---- */

  /** Nonzero when the current operation must stop as soon as it can: the run received SIGTERM, SIGINT or SIGHUP,
   *  or the operation's time budget is spent. The operation then returns KR_ERR_FAILED (the host reports why);
   *  a rollback is not stopped by a signal, only by its own budget. */
  int (*stop_requested)(kr_context* ctx);
  /** Sleep up to `milliseconds`, waking early when the run must stop. KR_OK after the whole wait; KR_ERR_FAILED
   *  when stopped, or at once when the wait would outlast the operation's budget. Plugins wait only through this
   *  (backoff, Retry-After, pauses between proof attempts), so a signal is acted on within the current request. */
  kr_status (*wait)(kr_context* ctx, uint64_t milliseconds);
  /** Milliseconds left in the current operation's time budget (UINT64_MAX when it has none). Network timeouts and
   *  retry plans should fit into it. */
  uint64_t (*time_left_ms)(kr_context* ctx);
  /** Why stop_requested is set ("SIGTERM", "the run's time budget of 420 s is spent", ...); KR_ERR_UNAVAILABLE
   *  when it is not. */
  kr_status (*stop_reason)(kr_context* ctx, kr_view* out);

  /* ---- ABI 1.4: one HTTPS client for the whole run ---- */

  /** Send one HTTPS request over the host's connections: the host and every plugin share kept-alive connections per
   *  scheme://host:port and one TLS context per trust, so a run makes one TLS handshake per host. Verification is
   *  the SDK client's (TLS 1.2 minimum, chain and host name always checked). KR_OK with an HTTP answer of any
   *  status; KR_ERR_FAILED with `failure` and `failure_message` when there is none (nothing is retried, except a
   *  request that met a kept-alive connection the server had closed before it was sent); KR_ERR_UNAVAILABLE when
   *  the host shares no clients in this run (use connections of your own); KR_ERR_CONFIG for a request or
   *  response struct the host cannot read. The SDK's keeper_rotate::https::Client uses it on its own during an
   *  operation. */
  kr_status (*https_send)(kr_context* ctx, const kr_https_request* request, kr_https_response* response);
} kr_host_api;

/* ---- Operations per kind ------------------------------------------------------------------------------------ */

/** Every operation gets the plugin instance created by kr_plugin_descriptor::create. */
typedef kr_status (*kr_operation_fn)(void* instance, kr_context* ctx);

/**
 * A provider, driven by the host in this order (docs/contract.md, "The rotation, in order"):
 *   validate -> create -> prove -> [writer stores and reads back] -> retire;  rollback on failure after create.
 */
typedef struct kr_provider_ops {
  uint32_t struct_size;
  /** Check fields, credential and reachability; read the current state. No mutation. Used by --dry-run too. */
  kr_operation_fn validate;
  /** Create the new credential; put its OUTPUT fields with result_put and report KR_KEY_CREATED with its id. */
  kr_operation_fn create;
  /** Prove the new credential works (bounded wait). */
  kr_operation_fn prove;
  /** Remove old credentials per policy; report each as REMOVED, KEPT or REMAINING. Runs only after a durable
   *  write was read back. Partial failure: report REMAINING ids and return KR_ERR_FAILED. */
  kr_operation_fn retire;
  /** Remove the credential created by `create` (the host calls this at most once, after create succeeded or
   *  reported KR_KEY_CREATED). Removing an id that is already gone is success. */
  kr_operation_fn rollback;
  /** NULL-terminated list of credential part names the provider needs, e.g. {"tenant_id","client_id",
   *  "client_secret",NULL}. A source's result counts as complete only when every part is present. */
  const char* const* required_credentials;

  /* ---- ABI 1.2 ---- */
  /** The admin credential with the locations of its parts for the credential sources; NULL for none. When set,
   *  its parts without KR_CREDENTIAL_OPTIONAL must equal required_credentials (the SDK derives both from one
   *  table). */
  const kr_credential_spec* credential;

  /* ---- ABI 1.3 ---- */
  /** Remove a credential an earlier run created and never stored: its process was killed between create and
   *  store (the host's crash journal, docs/contract.md "Stopped runs and time budgets"). The id is the host setting
   *  "remove_key_id". Called after validate and before create, never in a dry run. The provider must remove it
   *  only when it belongs to the current target; an id that is not (or no longer) there is success. May be NULL:
   *  the host then only reports the id. */
  kr_operation_fn remove;
} kr_provider_ops;

typedef struct kr_credential_source_ops {
  uint32_t struct_size;
  /** Supply credential parts via credential_put. KR_ERR_UNAVAILABLE: nothing here, try the next source. */
  kr_operation_fn resolve;
} kr_credential_source_ops;

/** Capability bits of a record writer. */
#define KR_WRITER_DURABLE 0x01u /**< writes persist in Keeper; without it the run is a rehearsal */

typedef struct kr_record_writer_ops {
  uint32_t struct_size;
  uint32_t capabilities; /**< KR_WRITER_* */
  /** Check that the target record can be written (exists, access works). No mutation. */
  kr_operation_fn validate;
  /** Store every OUTPUT result (result_get) into the PAM User record; keep the record's other fields. */
  kr_operation_fn store;
  /** Read the record back and compare with the results; KR_ERR_FAILED on any difference. */
  kr_operation_fn verify;
  /** Put the record's previous values back after store succeeded but a later step failed. May be NULL. */
  kr_operation_fn revert;
} kr_record_writer_ops;

/* ---- Descriptor --------------------------------------------------------------------------------------------- */

typedef struct kr_plugin_descriptor {
  uint32_t struct_size;        /**< sizeof(kr_plugin_descriptor) */
  uint16_t abi_major;
  uint16_t abi_minor;
  kr_kind kind;
  const char* name;            /**< unique per kind, e.g. "azure-app-secret"; what admins type */
  const char* version;         /**< plugin version, semver */
  const char* description;     /**< one line */
  /** Record fields read or written (NULL when field_count is 0). Entries may grow in later minors: readers step
   *  through the table by fields[0].struct_size, not by their own sizeof(kr_field_spec). */
  const kr_field_spec* fields;
  size_t field_count;

  /** Create an instance for one run. The host passes its callback table (valid for the instance's life). */
  kr_status (*create)(const kr_host_api* host, kr_context* ctx, void** out_instance);
  /** Destroy an instance; must not fail. */
  void (*destroy)(void* instance);

  /** Exactly one is non-NULL, matching `kind`. */
  const kr_provider_ops* provider;
  const kr_credential_source_ops* credential_source;
  const kr_record_writer_ops* record_writer;
} kr_plugin_descriptor;

/** Exported entry function: returns the static descriptor. Must not fail and must not have side effects. */
typedef const kr_plugin_descriptor* (*kr_plugin_entry_fn)(void);

#ifdef __cplusplus
}
#endif

#endif /* KEEPER_ROTATE_ABI_H */
