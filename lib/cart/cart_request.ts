/**
 * The cart side of an HTTP request, shared by the JSON cart API and the /cart page's
 * no-JS forms: which cart the signed cookie names, and the Set-Cookie that mints or
 * renews it.
 */
import { newCartId } from "../db/carts.ts";
import { cartCookie, isSecureRequest, readCartId } from "../http/cart_cookie.ts";
import type { AppDeps } from "../state.ts";

export interface RequestCart {
  /** The cookie's cart, or a fresh id (nothing is stored until an item is added). */
  id: string;
  /** The request carried a valid cart cookie. */
  existing: boolean;
}

export async function requestCart(req: Request, deps: AppDeps): Promise<RequestCart> {
  const id = await readCartId(req, deps.secret);
  return id ? { id, existing: true } : { id: newCartId(), existing: false };
}

/**
 * Adds the cart cookie to `res`. Sent after every successful cart write, so the cookie's
 * 30 days restart together with the cart's KV lifetime.
 */
export async function withCartCookie(
  res: Response,
  req: Request,
  deps: AppDeps,
  cartId: string,
): Promise<Response> {
  const secure = isSecureRequest(req, deps.config.publicOrigin);
  res.headers.append("set-cookie", await cartCookie(cartId, deps.secret, secure));
  return res;
}
