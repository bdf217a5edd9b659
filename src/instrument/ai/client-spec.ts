/** How one API method of a client becomes an AI exchange. */
export interface MethodSpec {
  /** Path of the resource from the client, e.g. `["chat", "completions"]`. */
  readonly resource: readonly string[];
  readonly method: string;
  readonly genAiOperation: string;
  readonly expectedShape: (data: Record<string, unknown>) => boolean;
  /** Whether streams of this method report usage only when asked (OpenAI chat completions). */
  readonly usageOnRequest?: boolean;
}

/** A client family the adapter knows. */
export interface ClientSpec {
  readonly provider: string;
  readonly methods: readonly MethodSpec[];
}

const hasArray = (key: string) => (data: Record<string, unknown>) => Array.isArray(data[key]);

/** The OpenAI client (openai 6): chat completions, Responses, embeddings, legacy completions. */
export const OPENAI: ClientSpec = {
  provider: "openai",
  methods: [
    {
      resource: ["chat", "completions"],
      method: "create",
      genAiOperation: "chat",
      expectedShape: hasArray("choices"),
      usageOnRequest: true,
    },
    { resource: ["responses"], method: "create", genAiOperation: "chat", expectedShape: hasArray("output") },
    {
      resource: ["embeddings"],
      method: "create",
      genAiOperation: "embeddings",
      expectedShape: hasArray("data"),
    },
    {
      resource: ["completions"],
      method: "create",
      genAiOperation: "text_completion",
      expectedShape: hasArray("choices"),
      usageOnRequest: true,
    },
  ],
};

/** The Anthropic client (@anthropic-ai/sdk 1): messages and beta messages. */
export const ANTHROPIC: ClientSpec = {
  provider: "anthropic",
  methods: [
    { resource: ["messages"], method: "create", genAiOperation: "chat", expectedShape: hasArray("content") },
    {
      resource: ["beta", "messages"],
      method: "create",
      genAiOperation: "chat",
      expectedShape: hasArray("content"),
    },
  ],
};

/** Which family a client belongs to, by shape (no SDK is imported): undefined for neither. */
export function clientSpec(client: Record<string, unknown>): ClientSpec | undefined {
  const chat = client.chat as { completions?: { create?: unknown } } | undefined;
  if (typeof chat?.completions?.create === "function") return OPENAI;
  const messages = client.messages as { create?: unknown } | undefined;
  if (typeof messages?.create === "function") return ANTHROPIC;
  return undefined;
}
