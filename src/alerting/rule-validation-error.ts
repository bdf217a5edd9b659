/** One mistake in a rule: which rule, which field, what is wrong. */
export interface RuleIssue {
  /** The rule's name, or `rules[3]` when it has none. */
  readonly rule: string;
  /** The field at fault, e.g. `threshold`, `window`, `matchers.exchange`. */
  readonly field: string;
  readonly message: string;
}

/**
 * Thrown by `loadRules()` when a rule file or rule object has mistakes. The message lists every
 * issue as `rule "Name": field: what is wrong`, so a user can fix them all in one pass.
 */
export class RuleValidationError extends Error {
  readonly issues: readonly RuleIssue[];

  constructor(issues: readonly RuleIssue[], source?: string) {
    const where = source === undefined ? "" : ` in ${source}`;
    const lines = issues.map((issue) => `  rule "${issue.rule}": ${issue.field}: ${issue.message}`);
    super(`${issues.length} invalid alert rule field(s)${where}:\n${lines.join("\n")}`);
    this.name = "RuleValidationError";
    this.issues = issues;
  }
}
