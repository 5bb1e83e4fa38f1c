/**
 * The app's Fresh-style config (read by lib/app.ts): twind with Tailwind's preset and the
 * shop's own colours, so pages can say `bg-brand-600` instead of repeating a hex value.
 */
import { defineConfig } from "@twind/core";
import presetTailwind from "@twind/preset-tailwind";
import type { FreshConfig } from "./lib/fresh/server.ts";

export default {
  twind: defineConfig({
    presets: [presetTailwind()],
    theme: {
      extend: {
        colors: {
          brand: {
            50: "#eef5ff",
            100: "#d9e8ff",
            500: "#3b6ff5",
            600: "#2552e0",
            700: "#1d41b5",
          },
          ink: "#111827",
        },
        fontFamily: {
          sans: ["ui-sans-serif", "system-ui", "-apple-system", "Segoe UI", "sans-serif"],
        },
      },
    },
  }),
} satisfies FreshConfig;
