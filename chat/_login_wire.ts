// Copyright 2026 the framewire authors. MIT license.
// The chat login, the JSON payload of a ClientType (3) frame: its type and
// its parser (PROTOCOL 15.2).
import { ChatError, ChatErrorCode } from "./errors.ts";
import { MAX_PASSWORD_CHARS } from "./messages.ts";
import {
  checkName,
  decodeClientJson,
  lenientDecoder,
  optionalId,
  requireString,
  withId,
} from "./_wire.ts";

/** A login, the JSON payload of a ClientType (3) frame. */
export type ChatLogin =
  | {
    /** A user login. */
    readonly type: "chat";
    /** The user name; see {@linkcode NAME_PATTERN}. */
    readonly user: string;
    /**
     * How the user proves who they are: the password (which registers the
     * name on its first login), or a resume token from an earlier welcome.
     */
    readonly proof:
      | { readonly password: string }
      | { readonly resume: string };
    /**
     * `false`: log in only, never register (a name without an account
     * gets `UNKNOWN_USER`). Absent: the first login registers.
     */
    readonly register?: boolean;
    /** Asks for a resume token in the welcome. */
    readonly remember?: boolean;
    /** Echoed in the answer. */
    readonly id?: string;
  }
  | {
    /** An admin login. */
    readonly type: "chat-admin";
    /** The server's admin token. */
    readonly token: string;
    /** Echoed in the answer. */
    readonly id?: string;
  };

/**
 * Reads a ClientType payload as a chat login. Payloads that are not a JSON
 * object whose `type` is `"chat"` or `"chat-admin"` are not logins (other
 * protocols may use ClientType frames) and give `undefined`.
 *
 * @param payload The ClientType frame's payload.
 * @returns The login, or `undefined` if the frame is not a chat login.
 * @throws {ChatError} `MISSING_FIELD`, `INVALID_FIELD` or `INVALID_NAME` for
 * a chat login with bad fields, `INVALID_TEXT` for one that is not valid
 * UTF-8 or holds a lone surrogate (carrying its `id` when it had one).
 */
export function parseChatLogin(payload: Uint8Array): ChatLogin | undefined {
  let value: Record<string, unknown>;
  try {
    value = decodeClientJson(payload);
  } catch (error) {
    // Refused only if it is a chat login after all; other protocols may
    // send what they like in their ClientType frames.
    if (
      error instanceof ChatError && error.code === ChatErrorCode.InvalidText &&
      isChatLoginType(payload)
    ) {
      throw error;
    }
    return undefined;
  }
  if (value.type !== "chat" && value.type !== "chat-admin") return undefined;
  const id = optionalId(value, "log in");
  try {
    if (value.type === "chat-admin") {
      const token = requireString(value, "token", "log in");
      return { type: "chat-admin", token, id };
    }
    const user = requireString(value, "user", "log in");
    checkName(user, "user");
    // Only true and false matter; anything else keeps the default.
    const register = value.register === false ? false : undefined;
    const remember = value.remember === true ? true : undefined;
    if (value.resume !== undefined && value.password !== undefined) {
      throw new ChatError(
        ChatErrorCode.InvalidField,
        'Cannot log in: give "password" or "resume", not both',
      );
    }
    const proof = value.resume === undefined
      ? { password: loginString(value, "password", MAX_PASSWORD_CHARS) }
      : { resume: loginString(value, "resume", MAX_RESUME_CHARS) };
    return { type: "chat", user, proof, register, remember, id };
  } catch (error) {
    throw withId(error, id);
  }
}

// Tokens the server makes are 43 characters; a longer one is not worth a
// digest.
const MAX_RESUME_CHARS = 128;

/** A login's string field of at most `max` characters. */
function loginString(
  value: Record<string, unknown>,
  field: string,
  max: number,
): string {
  const text = requireString(value, field, "log in");
  if (text.length > max) {
    throw new ChatError(
      ChatErrorCode.InvalidField,
      `Cannot log in: ${field} longer than ${max} characters`,
    );
  }
  return text;
}

function isChatLoginType(payload: Uint8Array): boolean {
  try {
    const type = JSON.parse(lenientDecoder.decode(payload))?.type;
    return type === "chat" || type === "chat-admin";
  } catch {
    return false;
  }
}
