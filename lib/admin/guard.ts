/**
 * Who may reach /admin and /api/admin: a signed-in admin session (pages and their JSON), or
 * the ADMIN_API_TOKEN bearer for scripts. State-changing requests on a session must also be
 * same-origin and carry a fresh, unused form token.
 */
import { UnauthorizedError } from "../http/errors.ts";
import type { State } from "../state.ts";
import { type AdminSession, readSession } from "./auth.ts";
import { assertSameOrigin, consumeFormToken, issueFormToken } from "./form_token.ts";
import { requireApiToken } from "./api_token.ts";

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

/** The admin behind this request; throws 401 when there is none. */
export async function authenticate(req: Request, state: State): Promise<AdminSession> {
  const session = await readSession(state.kv, req, state.secret, state.now());
  if (session) {
    if (!SAFE.has(req.method)) await checkForm(req, state, session);
    return session;
  }
  if (req.headers.has("authorization")) {
    // Bearer requests carry no ambient credential, so there is nothing to forge cross-site.
    await requireApiToken(req, state.config.admin.apiToken);
    return { id: "api-token", actor: "api-token", createdAt: "", expiresAt: "" };
  }
  throw new UnauthorizedError("Sign in to the admin first");
}

async function checkForm(req: Request, state: State, session: AdminSession): Promise<void> {
  assertSameOrigin(req, state.config.publicOrigin);
  let token = req.headers.get("x-csrf-token");
  const type = req.headers.get("content-type") ?? "";
  if (!token && /form-urlencoded|multipart\/form-data/.test(type)) {
    const value = (await req.clone().formData()).get("_token");
    token = typeof value === "string" ? value : null;
  }
  await consumeFormToken(state.kv, state.secret, session.id, token, state.now());
}

/** A token for the next form this admin submits. */
export async function formTokenFor(state: State, session: AdminSession): Promise<string> {
  return await issueFormToken(state.secret, session.id, state.now());
}
