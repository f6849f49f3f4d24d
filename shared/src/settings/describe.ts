/**
 * What a setting's rule accepts, in a form the configuration reference can print (type,
 * bounds, choices, pattern). Rules are closures, so a builder attaches its description to
 * the function it returns; the rule itself is unchanged and nothing at run time reads this.
 * A WeakMap rather than a property, so the daemons' rule types stay plain functions.
 */

export interface RuleDescription {
  /** The kind of value, in words: "integer", "text", "true or false", "URL", "path"... */
  readonly type: string;
  /** Inclusive bounds of a number. */
  readonly min?: number;
  readonly max?: number;
  /** The values allowed, for a choice. */
  readonly choices?: readonly string[];
  /** A regular expression a text must match (its source). */
  readonly pattern?: string;
  /** URL schemes allowed, with their colon (`https:`). */
  readonly protocols?: readonly string[];
  /** What else the reader must know, in a few words ("relative to dataDir"). */
  readonly note?: string;
}

/** Any rule shape, from either daemon. */
type AnyRule = (...args: never[]) => unknown;

const descriptions = new WeakMap<AnyRule, RuleDescription>();

/** Returns `rule` itself, remembered with its description. */
export function describedRule<R extends AnyRule>(rule: R, description: RuleDescription): R {
  descriptions.set(rule, description);
  return rule;
}

/** The description a rule builder gave, if any (a domain rule may have none). */
export function describeRule(rule: unknown): RuleDescription | undefined {
  return typeof rule === 'function' ? descriptions.get(rule as AnyRule) : undefined;
}
