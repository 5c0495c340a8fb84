/**
 * What an MCP tool is to a server: a name, a JSON Schema for its arguments, and
 * a function that may report progress and must stop when its signal aborts.
 *
 * Teaches: the two kinds of tool error. A request the server cannot route (no
 * such tool) is a protocol error; arguments that fail the schema are a tool
 * execution error (`isError: true`), so the model can read it and try again.
 * Implements: "Tools", revisions 2024-11-05 to 2026-07-28; input validation
 * errors as tool execution errors from 2025-11-25.
 * Read next: ../demo/demo-tools.ts, the tools every stage serves.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/server/tools#error-handling
 * @module
 */
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import type { JsonObject } from './jsonrpc.ts';

/** Text for the model. */
export interface TextContent {
  /** Tells the client how to read the block. */
  type: 'text';
  /** The text itself, shown to the model as-is. */
  text: string;
}

/** An image, base64-encoded. */
export interface ImageContent {
  /** Tells the client how to read the block. */
  type: 'image';
  /** The image's bytes, base64-encoded, because JSON cannot carry bytes. */
  data: string;
  /** How to decode `data`, such as `image/png`. */
  mimeType: string;
}

/** Audio, base64-encoded (2025-03-26 and later). */
export interface AudioContent {
  /** Tells the client how to read the block. */
  type: 'audio';
  /** The audio's bytes, base64-encoded. */
  data: string;
  /** How to decode `data`, such as `audio/wav`. */
  mimeType: string;
}

/** A resource embedded in the result, as text or as base64 `blob`. */
export interface EmbeddedResource {
  /** Tells the client how to read the block. */
  type: 'resource';
  /** The resource's contents, inline, so the client need not read it separately. */
  resource: {
    /** Names the resource, so the client can tell where the contents came from. */
    uri: string;
    /** How to read the contents, when known. */
    mimeType?: string;
  } & (
    | {
        /** The contents, for a text resource. */
        text: string;
      }
    | {
        /** The contents, base64-encoded, for a binary resource. */
        blob: string;
      }
  );
}

/** A link to a resource the client may read (2025-06-18 and later). */
export interface ResourceLink {
  /** Tells the client how to read the block. */
  type: 'resource_link';
  /** Where the client can read the resource (with `resources/read`), if it wants to. */
  uri: string;
  /** A name to show for the link. */
  name: string;
  /** What the client will get if it reads the link, when known. */
  mimeType?: string;
}

/**
 * A block of tool output. The course's demo tools return text only; the
 * others are here because a tool server may return any of them.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/server/tools#tool-result
 */
export type ContentBlock =
  TextContent | ImageContent | AudioContent | EmbeddedResource | ResourceLink;

/** What a tool returns: content for the model, optionally structured data and an error flag. */
export interface CallToolResult {
  /** What the model reads: the answer, or on `isError` the explanation it can act on. */
  content: ContentBlock[];
  /** Machine-readable output (2025-06-18 and later); it must fit the tool's `outputSchema`. */
  structuredContent?: JsonObject;
  /** True when the tool failed; a missing flag means success. */
  isError?: boolean;
}

/**
 * The text of a result's first text block, where the demo tools put their summary.
 *
 * @example
 * ```ts
 * firstText({ content: [{ type: 'text', text: 'Found 3 issues' }] }); // 'Found 3 issues'
 * ```
 */
export function firstText(result: CallToolResult): string | undefined {
  return result.content.find((block): block is TextContent => block.type === 'text')?.text;
}

/** What the server core hands a running tool. */
export interface ToolContext {
  /** Aborted when the request is cancelled or its result can no longer be delivered. */
  signal: AbortSignal;
  /**
   * Reports progress to the caller, a no-op when the caller sent no `progressToken`.
   * `progress` must grow with every call; `total` and `message` are optional.
   * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/utilities/progress
   */
  sendProgress: (progress: number, total?: number, message?: string) => void;
}

/**
 * A JSON Schema for a tool's arguments or output: any object schema, as long as
 * its root describes an object.
 */
export type ObjectSchema = JsonObject & {
  /** Arguments and structured output are JSON objects, so the root of the schema must say so. */
  type: 'object';
};

/** How a tool is listed in `tools/list`. */
export interface ToolDefinition {
  /** What `tools/call` names; unique within the server and case-sensitive. */
  name: string;
  /** A name for people (2025-06-18 and later); clients fall back to `name` without it. */
  title?: string;
  /** What the tool does, written for the model that decides whether to call it. */
  description: string;
  /** A JSON Schema (2020-12 unless `$schema` says otherwise) whose root is an object. */
  inputSchema: ObjectSchema;
  /** The shape of `structuredContent` (2025-06-18 and later), which the server must then keep to. */
  outputSchema?: ObjectSchema;
  /**
   * Hints about the tool's behaviour (2025-03-26 and later). Clients must not
   * trust them from a server they do not trust.
   */
  annotations?: {
    /** The tool changes nothing in its environment. */
    readOnlyHint?: boolean;
    /** A tool that changes things may also delete or overwrite them. */
    destructiveHint?: boolean;
    /** Calling it again with the same arguments has no further effect: safe to re-send. */
    idempotentHint?: boolean;
    /** The tool reaches outside the server (the web, other systems), not only a closed domain. */
    openWorldHint?: boolean;
  };
}

/**
 * A tool: its listing plus the code that runs it. `run` receives arguments that
 * already passed `inputSchema`, with the schema's defaults filled in.
 *
 * @example
 * ```ts
 * const shout: Tool<{ text: string }> = {
 *   name: 'shout',
 *   description: 'Upper-cases text.',
 *   inputSchema: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] },
 *   run: async ({ text }) => ({ content: [{ type: 'text', text: text.toUpperCase() }] }),
 * };
 * ```
 */
export interface Tool<Args = JsonObject> extends ToolDefinition {
  /**
   * Runs one call. A failure belongs in the result (`isError: true`); a throw
   * becomes such a result too, so a broken tool never crashes the server.
   */
  run(args: Args, context: ToolContext): Promise<CallToolResult>;
  /**
   * A hint for transports, never sent on the wire: the call may take long, so
   * answer it in a form that survives a dropped connection (stage 03 streams
   * it as SSE with event ids, even when the caller asked for no progress).
   */
  longRunning?: boolean;
  /**
   * Client capabilities the tool needs (e.g. `{ sampling: {} }`). A call from
   * a client that did not declare them is refused with -32021 (2026-07-28
   * names the error; the rule not to rely on undeclared capabilities is older).
   */
  requiredClientCapabilities?: JsonObject;
}

/** The outcome of checking a call's arguments against a tool's input schema. */
export type ArgumentCheck =
  | {
      /** The arguments fit the schema. */
      ok: true;
      /** A copy of the arguments with the schema's defaults filled in: what the tool receives. */
      args: JsonObject;
    }
  | {
      /** The arguments do not fit, or the tool does not exist. */
      ok: false;
      /** Names every bad field, for a tool error the model can correct itself from. */
      message: string;
    };

/**
 * The tools a server offers, with their input schemas compiled once.
 *
 * @remarks Ajv compiles each schema to a function at start-up, so a call pays
 * only for the check itself. Defaults are filled into a copy, never into the
 * caller's object.
 */
export class ToolRegistry {
  readonly #tools = new Map<string, { tool: Tool; validate: ValidateFunction }>();

  // The tool list's order is part of the protocol in 2026-07-28 (deterministic),
  // so it is fixed once, sorted by name.
  readonly #definitions: ToolDefinition[];

  constructor(tools: ReadonlyArray<Tool<never>>) {
    // Not strict: JSON Schema says unknown keywords are ignored, and strict mode
    // refuses valid 2020-12 schemas (an `$anchor`, a `required` naming a property
    // declared in a subschema) and the spec's own `x-mcp-header` annotation.
    const ajv = new Ajv2020({ allErrors: true, useDefaults: true, strict: false });
    for (const tool of tools as ReadonlyArray<Tool>) {
      if (this.#tools.has(tool.name)) throw new Error(`Duplicate tool name: ${tool.name}`);
      this.#tools.set(tool.name, { tool, validate: ajv.compile(tool.inputSchema) });
    }
    this.#definitions = [...tools]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map(({ name, title, description, inputSchema, outputSchema, annotations }) => ({
        name,
        ...(title === undefined ? {} : { title }),
        description,
        inputSchema,
        ...(outputSchema === undefined ? {} : { outputSchema }),
        ...(annotations === undefined ? {} : { annotations }),
      }));
  }

  /** The listing for `tools/list`, sorted by name. */
  list(): ToolDefinition[] {
    return this.#definitions;
  }

  /** The tool with this name, if any. */
  get(name: string): Tool | undefined {
    return this.#tools.get(name)?.tool;
  }

  /**
   * Checks arguments against the tool's input schema.
   * @returns the arguments with defaults applied, or a message that names every bad field.
   */
  checkArguments(name: string, args: JsonObject): ArgumentCheck {
    const entry = this.#tools.get(name);
    if (!entry) return { ok: false, message: `Unknown tool: ${name}` };
    const copy = structuredClone(args);
    if (entry.validate(copy)) return { ok: true, args: copy };
    return {
      ok: false,
      message: `Invalid arguments for ${name}: ${describe(entry.validate.errors)}`,
    };
  }
}

function describe(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? [])
    .map((error) => {
      if (error.keyword === 'required') {
        const { missingProperty } = error.params as { missingProperty: string };
        return `${fieldName(error.instancePath)}missing required field "${missingProperty}"`;
      }
      if (error.keyword === 'additionalProperties') {
        const { additionalProperty } = error.params as { additionalProperty: string };
        return `${fieldName(error.instancePath)}unknown field "${additionalProperty}"`;
      }
      return `${fieldName(error.instancePath) || 'arguments '}${error.message ?? 'is invalid'}`;
    })
    .join('; ');
}

// "/pages" -> 'field "pages" '; "" (the arguments object itself) -> ''
function fieldName(instancePath: string): string {
  return instancePath ? `field "${instancePath.slice(1).replaceAll('/', '.')}" ` : '';
}
