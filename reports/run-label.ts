/**
 * Short labels for variants: the values of `workload` and `platform` speak for themselves; other
 * keys keep their last name segment (`gpu0.bar=256MiB` → `bar=256MiB`).
 */
/** Between the parts of a label. */
export const LABEL_SEPARATOR = ' · ';

const SELF_EVIDENT = new Set(['workload', 'platform']);

export function keyValueLabel(keys: readonly string[], values: Record<string, string>): string {
  return keys.filter((k) => values[k] !== undefined)
    .map((k) => (SELF_EVIDENT.has(k) ? values[k]! : `${k.slice(k.lastIndexOf('.') + 1)}=${values[k]}`))
    .join(LABEL_SEPARATOR);
}
