/**
 * The route template of a router mounted in an Express app, read from the app's router stack.
 *
 * Express gives a request's route template only for the last router (`req.route.path`,
 * `/orders`); the mount paths above it are in `req.baseUrl` filled in
 * (`/users/alice.martin%40example.org`), which must never become a label or a span attribute
 * (issue 15, finding 4). So the template is rebuilt: the layers of the app's stack are walked
 * from the app down to `req.route`, each mount layer matched against what is left of
 * `req.baseUrl` with the router's own matcher (pure functions, nothing in Express is changed),
 * and each layer gives its template:
 *
 * - router 2.3+ (Express 5.1+): `layer.rawPath`, the path given to `use()`;
 * - router 2.0-2.2 (Express 5.0): the matched path with each parameter's segment replaced by
 *   `:name` (from the matcher's `params`); literal parts keep the client's letter case;
 * - Express 4: the matched path with each capture group of `layer.regexp` replaced by `:name`
 *   (from `layer.keys`), in lower case when the mount is case-insensitive (the default).
 *
 * A RegExp mount path, a parameter inside a segment on router 2.0-2.2, or a stack shape this
 * does not know gives no template: the caller records a placeholder instead.
 *
 * Sub-apps (`app.use("/accounts/:id", subApp)`) are followed too: their mount layer is Express'
 * `mounted_app` function, and the sub-app is `req.app` once it handled the request.
 */

/** One layer of an Express 4 or router 2.x stack, as far as a template is read from it. */
interface LayerLike {
  readonly route?: unknown;
  readonly handle?: unknown;
  /** router 2.3+: the path given to `use()` (string, RegExp or array). */
  readonly rawPath?: unknown;
  /** router 2.x: one matcher per path, `(path) => { path, params } | false`, no side effect. */
  readonly matchers?: unknown;
  /** router 2.x: mounted at `/` (matches every path, consumes nothing). */
  readonly slash?: unknown;
  /** Express 4: the compiled mount path, with `fast_slash` when mounted at `/`. */
  readonly regexp?: unknown;
  /** Express 4: the parameters of `regexp`'s capture groups, in order. */
  readonly keys?: unknown;
}

/** A match of one mount layer: the part of the base URL it consumed and its template. */
interface MountMatch {
  readonly consumed: string;
  /** Undefined when the layer matched but its template cannot be read. */
  readonly template: string | undefined;
}

/** Found: the template of the mount chain (undefined when a layer's cannot be read). */
interface Found {
  readonly template: string | undefined;
}

// Bounds of the walk: an app's stack is tens of layers; these stop a pathological one.
const MAX_DEPTH = 16;
const MAX_LAYERS = 10_000;

const withIndices = new WeakMap<RegExp, RegExp>();

/**
 * The template of the mount paths between `rootApp` and `route` (e.g. `/users/:user`, `""` when
 * there is none), matched against `baseUrl`; undefined when it cannot be read.
 *
 * @param rootApp the app the middleware was installed on (`req.app` when it ran)
 * @param finalApp `req.app` when the response ended: a sub-app, when one handled the request
 */
export function expressMountTemplate(
  rootApp: unknown,
  finalApp: unknown,
  route: unknown,
  baseUrl: string,
): string | undefined {
  const root = appRouter(rootApp);
  if (root === undefined || route === undefined || route === null) return undefined;
  const subApp = finalApp !== rootApp ? appRouter(finalApp) : undefined;
  let layersLeft = MAX_LAYERS;

  const search = (router: unknown, remaining: string, depth: number): Found | undefined => {
    const stack = (router as { stack?: unknown } | null | undefined)?.stack;
    if (depth > MAX_DEPTH || !Array.isArray(stack)) return undefined;
    for (const layer of stack as LayerLike[]) {
      if (--layersLeft < 0) return undefined;
      if (layer === null || typeof layer !== "object") continue;
      if (layer.route === route) {
        if (remaining === "") return { template: "" };
        continue;
      }
      const child = childRouter(layer, subApp);
      if (child === undefined) continue;
      const match = matchMount(layer, remaining);
      if (match === undefined) continue;
      const found = search(child, remaining.slice(match.consumed.length), depth + 1);
      if (found === undefined) continue;
      return {
        template:
          match.template === undefined || found.template === undefined
            ? undefined
            : match.template + found.template,
      };
    }
    return undefined;
  };

  try {
    return search(root, baseUrl, 0)?.template;
  } catch {
    // A matcher that throws (a malformed percent-encoding), a getter in a foreign stack: no template.
    return undefined;
  }
}

/** The router of an Express 4 (`app._router`) or Express 5 (`app.router`) app. */
function appRouter(app: unknown): unknown {
  if (app === null || (typeof app !== "object" && typeof app !== "function")) return undefined;
  try {
    // `_router` first: Express 4's `app.router` is a getter that throws ("deprecated").
    const legacy = (app as { _router?: unknown })._router;
    if (legacy !== undefined) return legacy;
    return (app as { router?: unknown }).router;
  } catch {
    return undefined;
  }
}

/** The router below a mount layer: a `Router` (it has a stack), or the sub-app that handled the request. */
function childRouter(layer: LayerLike, subApp: unknown): unknown {
  const handle = layer.handle;
  if (typeof handle !== "function") return undefined;
  if (Array.isArray((handle as { stack?: unknown }).stack)) return handle;
  if (handle.name === "mounted_app" && subApp !== undefined) return subApp;
  return undefined;
}

/** Matches mount `layer` at the start of `remaining`, with the layer's own matcher. */
function matchMount(layer: LayerLike, remaining: string): MountMatch | undefined {
  if (layer.slash === true) return { consumed: "", template: "" };
  if (Array.isArray(layer.matchers)) {
    for (const [i, matcher] of (layer.matchers as unknown[]).entries()) {
      if (typeof matcher !== "function") continue;
      const result = matcher(remaining) as { path?: unknown; params?: unknown } | false;
      if (!result || typeof result.path !== "string") continue;
      const raw = Array.isArray(layer.rawPath) ? layer.rawPath[i] : layer.rawPath;
      const template =
        typeof raw === "string"
          ? mountPath(raw)
          : raw === undefined
            ? substituteSegments(result.path, result.params)
            : undefined;
      return { consumed: mountPath(result.path), template };
    }
    return undefined;
  }
  if (layer.regexp instanceof RegExp) {
    if ((layer.regexp as { fast_slash?: unknown }).fast_slash === true) return { consumed: "", template: "" };
    return matchExpress4(layer.regexp, layer.keys, remaining);
  }
  return undefined;
}

/** Express 4: the capture groups of the mount regexp, replaced by `:name` from `keys`. */
function matchExpress4(regexp: RegExp, keys: unknown, remaining: string): MountMatch | undefined {
  let indexed = withIndices.get(regexp);
  if (indexed === undefined) {
    indexed = new RegExp(regexp.source, `${regexp.flags.replace(/[gyd]/g, "")}d`);
    withIndices.set(regexp, indexed);
  }
  const match = indexed.exec(remaining);
  if (match === null || match.index !== 0) return undefined;
  const consumed = match[0].replace(/\/$/, "");
  const names = Array.isArray(keys) ? keys.map((k) => (k as { name?: unknown } | null)?.name) : [];
  // Matched case-insensitively (Express' default): the literal parts are the client's spelling,
  // so `/API` and `/api` would be two series; lower case makes them one.
  const lower = consumed.toLowerCase();
  // (Only when lower case keeps every offset: the capture group indices below point into it.)
  let template = regexp.flags.includes("i") && lower.length === consumed.length ? lower : consumed;
  // Right to left, so earlier offsets stay valid.
  for (let group = (match.indices?.length ?? 0) - 1; group >= 1; group--) {
    const span = match.indices?.[group];
    if (span === undefined) continue;
    const name = names[group - 1];
    if (typeof name !== "string" && typeof name !== "number") return { consumed, template: undefined };
    const [start, end] = span;
    if (end > consumed.length) continue;
    template = `${template.slice(0, start)}:${name}${template.slice(end)}`;
  }
  return { consumed, template: mountPath(template) };
}

/**
 * router 2.0-2.2: `matched` with each segment that decodes to a parameter's value replaced by
 * `:name`; undefined unless every parameter was found as a whole segment.
 */
function substituteSegments(matched: string, params: unknown): string | undefined {
  if (params === null || typeof params !== "object") return undefined;
  const left = new Map<string, string>();
  for (const [name, value] of Object.entries(params as Record<string, unknown>)) {
    if (typeof value !== "string") return undefined;
    left.set(name, value);
  }
  const segments = matched.split("/").map((segment) => {
    const decoded = safeDecode(segment);
    for (const [name, value] of left) {
      if (value === decoded) {
        left.delete(name);
        return `:${name}`;
      }
    }
    return segment;
  });
  return left.size === 0 ? mountPath(segments.join("/")) : undefined;
}

/** A mount path as `req.baseUrl` spells it: no trailing slash, `/` as the empty string. */
function mountPath(path: string): string {
  return path.replace(/\/+$/, "");
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
