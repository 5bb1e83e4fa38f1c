/** The fixture's ctx.state: each middleware and layout appends to `trail`. */
export interface TrailState {
  trail: string[];
  [key: string]: unknown;
}
