import { WorkflowError } from "../errors/workflow-error.js";
import { BODY_BYTES, serialize } from "../serialization/index.js";

/** How the host hands a received HTTP request to the sandbox (inside a `hook_received` payload). */
export interface WebhookRequestRecord {
  method: string;
  url: string;
  headers: [string, string][];
  body: Uint8Array | null;
}

// Made on first use: TextDecoder is a global made on first use (polyfills.ts).
let decoder: TextDecoder | undefined;
const decode = (bytes: Uint8Array) => (decoder ??= new TextDecoder()).decode(bytes);

/** Where the answer to a manual webhook request goes: the run's engine, which records it as a command. */
export interface Responder {
  respond(requestId: string, response: string): void;
}

interface RequestInitLike {
  method?: string;
  headers?: HeadersInit;
  body?: BodyLike;
}

/**
 * `Request` in workflow code. Its body is in memory, so `json()`, `text()`
 * and friends resolve without I/O and replay the same way. A request
 * received by a manual webhook carries `requestId` and can `respondWith()`.
 */
export class WorkflowRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Headers;
  private readonly data: Uint8Array | null;
  readonly requestId: string | undefined;
  private readonly responder: Responder | undefined;

  constructor(
    input: string | URL | WorkflowRequest,
    init: RequestInitLike = {},
    requestId?: string,
    responder?: Responder,
  ) {
    const base = input instanceof WorkflowRequest ? input : undefined;
    this.url = base ? base.url : String(input);
    this.method = (init.method ?? base?.method ?? "GET").toUpperCase();
    this.headers = new Headers(init.headers ?? base?.headers);
    this.data = init.body !== undefined ? toBytes(init.body) : (base?.data ?? null);
    this.requestId = requestId ?? base?.requestId;
    this.responder = responder ?? base?.responder;
  }

  get [Symbol.toStringTag](): string {
    return "Request";
  }

  [BODY_BYTES](): Uint8Array | null {
    return this.data;
  }

  get body(): null {
    return null;
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const b = this.data ?? new Uint8Array(0);
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  }
  async bytes(): Promise<Uint8Array> {
    return new Uint8Array(this.data ?? new Uint8Array(0));
  }
  async text(): Promise<string> {
    return this.data ? decode(this.data) : "";
  }
  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
  async formData(): Promise<Map<string, string>> {
    const type = this.headers.get("content-type") ?? "";
    if (!type.includes("application/x-www-form-urlencoded")) {
      throw new WorkflowError(
        "WF_FORMDATA_UNSUPPORTED",
        `formData() in workflow code reads application/x-www-form-urlencoded bodies; this one is ${type || "untyped"}.`,
        "Pass the request to a step and call formData() there, or read text()/arrayBuffer().",
      );
    }
    return new Map(new URLSearchParams(await this.text()));
  }

  clone(): WorkflowRequest {
    return new WorkflowRequest(this);
  }

  /** Answers the caller of a `respondWith: "manual"` webhook. */
  async respondWith(response: Response): Promise<void> {
    if (!this.requestId || !this.responder) {
      throw new WorkflowError(
        "WF_RESPOND_NOT_MANUAL",
        "respondWith() was called on a request to a webhook that does not use manual responses.",
        'Create the webhook with createWebhook({ respondWith: "manual" }).',
      );
    }
    this.responder.respond(this.requestId, serialize(response, "response"));
  }
}

/** The request a webhook received, as workflow code sees it; a manual webhook's answers go to `responder`. */
export function toWebhookRequest(
  responder: Responder,
  record: WebhookRequestRecord,
  requestId: string | undefined,
): WorkflowRequest {
  return new WorkflowRequest(
    record.url,
    { method: record.method, headers: record.headers, body: record.body },
    requestId,
    responder,
  );
}

/**
 * The sandbox's global `Request`: a `WorkflowRequest` whose manual-webhook answers go
 * to the responder of the run that made it (`responder()` when it is constructed: the
 * realm is shared by runs, a request stays bound to its own). The deserializer builds
 * requests with `new Request(url, init, requestId)`, so a received request that came
 * back from a step can still `respondWith()`.
 */
export function requestClassFor(responder: () => Responder | undefined): typeof WorkflowRequest {
  return class Request extends WorkflowRequest {
    constructor(input: string | URL | WorkflowRequest, init?: RequestInitLike, requestId?: string) {
      super(input, init, requestId, responder());
    }
  };
}

type BodyLike = string | Uint8Array | ArrayBuffer | URLSearchParams | null | undefined;

function toBytes(body: BodyLike): Uint8Array | null {
  if (body == null) return null;
  if (typeof body === "string") return new TextEncoder().encode(body);
  if (body instanceof Uint8Array) return body;
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  return new TextEncoder().encode(String(body));
}

/** `Response` in workflow code: built from in-memory bodies, so it serializes without I/O. */
export class WorkflowResponse {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Headers;
  private readonly data: Uint8Array | null;

  constructor(body?: BodyLike, init: { status?: number; statusText?: string; headers?: HeadersInit } = {}) {
    this.status = init.status ?? 200;
    this.statusText = init.statusText ?? "";
    this.headers = new Headers(init.headers);
    this.data = toBytes(body);
    if (typeof body === "string" && !this.headers.has("content-type")) {
      this.headers.set("content-type", "text/plain;charset=UTF-8");
    }
  }

  static json(data: unknown, init: { status?: number; statusText?: string; headers?: HeadersInit } = {}) {
    const response = new WorkflowResponse(JSON.stringify(data), init);
    response.headers.set("content-type", "application/json");
    return response;
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }
  get body(): null {
    return null;
  }
  get [Symbol.toStringTag](): string {
    return "Response";
  }
  [BODY_BYTES](): Uint8Array | null {
    return this.data;
  }
  async text(): Promise<string> {
    return this.data ? decode(this.data) : "";
  }
  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }
  async bytes(): Promise<Uint8Array> {
    return new Uint8Array(this.data ?? new Uint8Array(0));
  }
  async arrayBuffer(): Promise<ArrayBuffer> {
    const b = this.data ?? new Uint8Array(0);
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  }
}
