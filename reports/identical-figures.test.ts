import { describe, expect, it } from 'vitest';
import { mergedHeading, mergeIdenticalFigures } from './identical-figures.ts';

describe('mergedHeading', () => {
  it('lists the differing values of a part once, with its key', () => {
    expect(mergedHeading(['k · bar=256MiB · memory=1GiB', 'k · bar=1GiB · memory=1GiB'])).toBe('k · bar=256MiB or 1GiB · memory=1GiB');
  });
  it('uses the compact form for a full product of values (2 × 2 = 4 labels)', () => {
    expect(mergedHeading(['p · b=1 · m=3', 'p · b=2 · m=3', 'p · b=1 · m=4', 'p · b=2 · m=4'])).toBe('p · b=1 or 2 · m=3 or 4');
  });
  it('lists the labels when they are not every combination (3 of the 4 of b × m)', () => {
    expect(mergedHeading(['b=1 · m=3', 'b=2 · m=3', 'b=1 · m=4'])).toBe('b=1 · m=3; b=2 · m=3; b=1 · m=4');
  });
});

describe('mergeIdenticalFigures', () => {
  it('draws byte-identical small multiples once, keeps order, leaves empty figures alone', () => {
    const figs = [
      { heading: 'x · b=1', svg: '<svg>A</svg>' },
      { heading: 'x · b=2', svg: '<svg>B</svg>' },
      { heading: 'x · b=3', svg: '', empty: 'no migrations' },
      { heading: 'x · b=4', svg: '<svg>A</svg>' },
      { heading: 'x · b=5', svg: '', empty: 'no migrations' },
    ];
    expect(mergeIdenticalFigures(figs)).toEqual([
      { heading: 'x · b=1 or 4 (identical)', svg: '<svg>A</svg>' },
      { heading: 'x · b=2', svg: '<svg>B</svg>' },
      { heading: 'x · b=3', svg: '', empty: 'no migrations' },
      { heading: 'x · b=5', svg: '', empty: 'no migrations' },
    ]);
  });
});
