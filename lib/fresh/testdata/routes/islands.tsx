import { signal } from "@preact/signals-core";
import Counter from "../islands/Counter.tsx";
import Echo from "../islands/Echo.tsx";

export const HOSTILE = "</script><script>alert(1)</script><!-- \u2028 & \u2029";

export default function IslandsPage() {
  const count = signal(41);
  return (
    <div>
      <Counter label="clicks" count={count} />
      <p>
        <Echo
          text={HOSTILE}
          count={count}
          nested={{ list: [1, 2], flag: true }}
        />
      </p>
    </div>
  );
}
