/** `deno task hash-password`: prints an ADMIN_PASSWORD_HASH for the password typed in. */
import { hashPassword } from "../lib/admin/auth.ts";

const password = Deno.args[0] ?? prompt("Admin password:");
if (!password || password.length < 8) {
  console.error("The admin password needs at least 8 characters.");
  Deno.exit(1);
}
console.log(`ADMIN_PASSWORD_HASH='${await hashPassword(password)}'`);
