/**
 * Every cross-realm key of wfkit, in one place.
 *
 * `Symbol.for` keys live in the one registry all realms of a process share
 * (each workflow sandbox is its own `vm` context with its own `globalThis`,
 * and a step bundle or a framework's server chunk may carry its own copy of
 * core's modules). A key here is how two copies of a module, or two realms,
 * find the same slot or recognise the same brand. Add a key only here, with
 * the realms that share it; test/architecture.test.ts refuses
 * `Symbol.for("wfkit.…")` anywhere else.
 *
 * Sandbox-safe: no imports, no side effects.
 */

/** Sandbox and host: the {@link RealmHost} of the current realm (workflow/realm.ts); compiled code calls through it. */
export const HOST_KEY: symbol = Symbol.for("wfkit.host");

/** Sandbox and host: registered workflow and step bodies of this realm, shared by every copy of workflow/registry.ts. */
export const REGISTRY_KEY: symbol = Symbol.for("wfkit.registry");

/**
 * Workflow realm: the captured variables of a nested step's proxy, on the proxy itself. The
 * shared realm's serializer and each run's workflow modules are different module copies.
 */
export const STEP_PROXY_CLOSURE_KEY: symbol = Symbol.for("wfkit.stepProxyClosure");

/** Sandbox: brands a hook object so `Promise.race` over hooks (sandbox/bootstrap.ts) knows it in any module copy. */
export const SANDBOX_HOOK_KEY: symbol = Symbol.for("wfkit.sandboxHook");

/** Host, read by user code of any copy: the runtime's `resumeHook` that `defineHook().resume()` (workflow/hooks.ts) calls. */
export const RESUME_TYPED_HOOK_KEY: symbol = Symbol.for("wfkit.resumeTypedHook");

/** Sandbox → host through serialization: a webhook request's `respondWith`, installed by the host runtime. */
export const RESPOND_KEY: symbol = Symbol.for("wfkit.respond");

/**
 * Host, read by serialization: `(method, url, headerPairs, body) => Request`, the host's way to
 * revive a request from the event log (node/lazy-request.ts, `bytesWebRequest`), installed by
 * the host runtime. Absent in a workflow realm, which makes its own `Request`.
 */
export const REVIVE_REQUEST_KEY: symbol = Symbol.for("wfkit.reviveRequest");

/**
 * Host, read by serialization: `(status, statusText, headerPairs, body) => Response`, the
 * host's way to revive a response (a manual webhook's answer, a static one), installed by the
 * host runtime (node/lazy-response.ts, `bytesWebResponse`). Absent in a workflow realm.
 */
export const REVIVE_RESPONSE_KEY: symbol = Symbol.for("wfkit.reviveResponse");

/**
 * Host: a lazy Request or Response (node/lazy-request.ts, node/lazy-response.ts) answers its
 * whole body, unread, with a method under this key (serialization/buffered-body.ts).
 */
export const BUFFERED_BODY_KEY: symbol = Symbol.for("wfkit.bufferedBody");

/** Sandbox and host: the raw bytes of a request body kept on a serialized request (serialization, sandbox/web.ts). */
export const BODY_BYTES_KEY: symbol = Symbol.for("wfkit.bodyBytes");

/** Every realm: brands a FatalError so `instanceof` works across the sandbox boundary and module copies. */
export const FATAL_ERROR_KEY: symbol = Symbol.for("wfkit.error.fatal");

/** Every realm: brands a RetryableError, as {@link FATAL_ERROR_KEY}. */
export const RETRYABLE_ERROR_KEY: symbol = Symbol.for("wfkit.error.retryable");

/** Every realm: brands a WorkflowError and its subclasses, as {@link FATAL_ERROR_KEY}. */
export const WORKFLOW_ERROR_KEY: symbol = Symbol.for("wfkit.error.workflow");

/** Host: the docs-link resolver errors/links.ts installs, read by every copy of errors/docs.ts in the process. */
export const DOCS_LINK_KEY: symbol = Symbol.for("wfkit.errors.docsLink");

/** Host: the process's default Runtime (host/default.ts), shared by the app's and a step bundle's copy of core. */
export const DEFAULT_RUNTIME_KEY: symbol = Symbol.for("wfkit.defaultRuntime");

/** Host: the app servers of this process (@wfkit/builder), one per data folder, across framework module copies. */
export const APP_SERVERS_KEY: symbol = Symbol.for("wfkit.app.servers");

/** Host: the Next adapter's process slot (@wfkit/next), shared by the config's and the route chunks' copies. */
export const NEXT_SERVER_KEY: symbol = Symbol.for("wfkit.next.server");

/**
 * Host: a request that reads its own body without a Web stream (the Node adapter's lazy
 * request) has a method under this key, `(limit, timeoutMs) => Promise<LimitedBody> |
 * undefined` (host/body.ts; `undefined`: read my `body` stream instead). Registered, so
 * a copy of core bundled by a framework still finds the adapter's.
 */
export const READ_BODY_KEY: symbol = Symbol.for("wfkit.readBody");

/** Every realm, through serialization: brands a stream writable (workflow/streams.ts) with its namespace, so it can be passed to a step. */
export const STREAM_HANDLE_KEY: symbol = Symbol.for("wfkit.stream");

/**
 * Host: the AsyncLocalStorage of the running step attempt (host/steps.ts). Shared so that
 * whichever copy of core installed the step realm's host (a framework may bundle its own)
 * sees the attempt the runtime's copy is running.
 */
export const STEP_STORAGE_KEY: symbol = Symbol.for("wfkit.stepStorage");

/** Every realm, through serialization: a stream handle's run id, when the stream belongs to another run than the one using it (a parent's writable passed to a child run). */
export const STREAM_RUN_KEY: symbol = Symbol.for("wfkit.streamRun");

/** Every realm, through serialization: brands a ReadableStream carried as a run's stream with `[runId, namespace]`, so passing it on passes the same stream. */
export const READABLE_HANDLE_KEY: symbol = Symbol.for("wfkit.readable");

/** Every realm, through serialization: brands an instance of a class this realm does not know, carried as `[classId, data]` (serialization/classes.ts). */
export const CARRIED_CLASS_KEY: symbol = Symbol.for("wfkit.carriedClass");

/**
 * Every realm: the peer's (`@workflow/serde`) static method that turns an instance into
 * serializable data. Not a wfkit key: it is the name code written for the peer uses.
 */
export const SERIALIZE_KEY: symbol = Symbol.for("workflow-serialize");

/** Every realm: the peer's static method that rebuilds an instance from that data. */
export const DESERIALIZE_KEY: symbol = Symbol.for("workflow-deserialize");

/**
 * Every realm (one registry per realm's `globalThis`): class id → class, for classes that
 * cross as values. The peer's name, so classes registered by code the peer's compiler
 * built are found as well.
 */
export const CLASS_REGISTRY_KEY: symbol = Symbol.for("workflow-class-registry");
