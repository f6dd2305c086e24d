import { createRandom, type Random } from './random.ts';

/** "a" or "an" before a word, by its first letter (good enough for colour and material names). */
export const article = (word: string) => (/^[aeiou]/i.test(word) ? `an ${word}` : `a ${word}`);

/*
 * Generative SVG artwork for the seed catalogue. Everything is drawn from the
 * seeded PRNG: no network, no external files, no fonts to fetch. The output is
 * a standalone SVG (xmlns, viewBox, width, height) without script, event
 * attributes or links; `url(#id)` references stay inside the document.
 *
 * Numbers are rounded to one decimal so files stay small and byte-identical.
 */

/** A named colour, so alt text can say what the picture shows. */
export interface Colour {
  name: string;
  hex: string;
}

/** A background and the inks drawn on it; inks[0] dominates, inks[1] accents. */
export interface Palette {
  name: string;
  background: Colour;
  inks: readonly Colour[];
}

const c = (name: string, hex: string): Colour => ({ name, hex });

/** Curated palettes: each one holds together, whichever inks a work uses. */
export const PALETTES: readonly Palette[] = [
  {
    name: 'riviera',
    background: c('teal', '#1f6f78'),
    inks: [
      c('ochre', '#d99a2b'),
      c('coral', '#e76f51'),
      c('ivory', '#f4ecd8'),
      c('navy', '#1d3557'),
    ],
  },
  {
    name: 'bauhaus',
    background: c('cream', '#f1e9da'),
    inks: [
      c('vermilion', '#d7263d'),
      c('cobalt', '#1b4f9c'),
      c('mustard', '#f2c14e'),
      c('charcoal', '#2b2d2f'),
    ],
  },
  {
    name: 'nordic',
    background: c('pale grey', '#e6e8e6'),
    inks: [
      c('slate', '#4a5a6a'),
      c('sage', '#9bb1a0'),
      c('rose', '#d8a7a0'),
      c('ink black', '#1c1c1c'),
    ],
  },
  {
    name: 'desert',
    background: c('sand', '#e9d5b5'),
    inks: [
      c('terracotta', '#c0583b'),
      c('rust', '#8c3b22'),
      c('olive', '#6b7a3a'),
      c('dusk blue', '#3e5c76'),
    ],
  },
  {
    name: 'midnight',
    background: c('midnight blue', '#14213d'),
    inks: [
      c('gold', '#fca311'),
      c('silver grey', '#e5e5e5'),
      c('crimson', '#b3001b'),
      c('teal', '#2a9d8f'),
    ],
  },
  {
    name: 'orchard',
    background: c('ivory', '#fbf6ea'),
    inks: [
      c('apple green', '#7fb069'),
      c('plum', '#6d2e46'),
      c('peach', '#f4a261'),
      c('moss', '#4c5c2d'),
    ],
  },
  {
    name: 'lagoon',
    background: c('aqua', '#a8dadc'),
    inks: [
      c('deep blue', '#1d3557'),
      c('white', '#f8f9fa'),
      c('coral pink', '#ef476f'),
      c('cerulean', '#118ab2'),
    ],
  },
  {
    name: 'ember',
    background: c('charcoal', '#222222'),
    inks: [
      c('flame orange', '#f3722c'),
      c('amber', '#f8961e'),
      c('scarlet', '#d62828'),
      c('bone', '#ede0d4'),
    ],
  },
  {
    name: 'meadow',
    background: c('pale yellow', '#fdf3c7'),
    inks: [
      c('grass green', '#55a630'),
      c('cornflower blue', '#6c8ebf'),
      c('poppy red', '#e63946'),
      c('umber', '#6f4e37'),
    ],
  },
  {
    name: 'mineral',
    background: c('stone', '#cfc8bd'),
    inks: [
      c('graphite', '#3c3c3c'),
      c('verdigris', '#4a9a8a'),
      c('oxblood', '#6b1e1e'),
      c('chalk', '#f2efe9'),
    ],
  },
  {
    name: 'blush',
    background: c('blush pink', '#f6d6d6'),
    inks: [
      c('burgundy', '#7d1935'),
      c('sage green', '#a3b18a'),
      c('cream', '#fff8e7'),
      c('dusty blue', '#7d9bb5'),
    ],
  },
  {
    name: 'ultramarine',
    background: c('ultramarine', '#1e3a8a'),
    inks: [
      c('lemon', '#f7e35a'),
      c('white', '#f8fafc'),
      c('sky blue', '#7dd3fc'),
      c('magenta', '#c026d3'),
    ],
  },
  {
    name: 'forest',
    background: c('forest green', '#1b3a2f'),
    inks: [
      c('fern', '#6a994e'),
      c('cream', '#f2e8cf'),
      c('copper', '#bc6c25'),
      c('birch', '#d8d2c4'),
    ],
  },
  {
    name: 'citrus',
    background: c('off-white', '#fafaf5'),
    inks: [
      c('lime', '#a7c957'),
      c('tangerine', '#f77f00'),
      c('saffron', '#fcbf49'),
      c('deep teal', '#0f4c5c'),
    ],
  },
  {
    name: 'dusk',
    background: c('lavender', '#c8b6e2'),
    inks: [
      c('indigo', '#3a0ca3'),
      c('peach', '#ffb4a2'),
      c('plum', '#5a189a'),
      c('gold', '#e9c46a'),
    ],
  },
  {
    name: 'monochrome',
    background: c('warm white', '#f5f5f2'),
    inks: [
      c('black', '#111111'),
      c('grey', '#8a8a8a'),
      c('silver', '#c8c8c8'),
      c('signal red', '#c1121f'),
    ],
  },
];

/** The kinds of composition the generator can draw. */
export const MOTIFS = [
  'circles',
  'stripes',
  'grid',
  'waves',
  'polygons',
  'arcs',
  'fields',
  'lines',
  'horizon',
] as const;
export type Motif = (typeof MOTIFS)[number];

// ---------------------------------------------------------------------------
// SVG helpers shared by every picture in the seed.

/** Escapes text for SVG element content and double-quoted attribute values. */
export function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

/** A coordinate rounded to one decimal: short and reproducible. */
export function num(value: number): string {
  return String(Math.round(value * 10) / 10);
}

/** Attribute list from a record; numbers are rounded, undefined is skipped. */
export function attrs(values: Record<string, string | number | undefined>): string {
  let out = '';
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined) continue;
    out += ` ${key}="${typeof value === 'number' ? num(value) : escapeXml(value)}"`;
  }
  return out;
}

/** A self-closing element. */
export const el = (name: string, values: Record<string, string | number | undefined>): string =>
  `<${name}${attrs(values)}/>`;

/** A text element with escaped content. */
export const text = (
  content: string,
  values: Record<string, string | number | undefined>,
): string => `<text${attrs(values)}>${escapeXml(content)}</text>`;

/** The visible area of a picture, in drawing units. */
export interface ViewBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * A complete SVG document. `label` becomes its `<title>` (the accessible
 * name); `width`/`height` are the intrinsic size recorded in product_images.
 */
export function svgDocument(options: {
  width: number;
  height: number;
  viewBox?: ViewBox;
  label: string;
  defs?: string;
  body: string;
}): string {
  const vb = options.viewBox ?? { x: 0, y: 0, width: options.width, height: options.height };
  const defs = options.defs ? `<defs>${options.defs}</defs>` : '';
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${options.width}" height="${options.height}"` +
    ` viewBox="${num(vb.x)} ${num(vb.y)} ${num(vb.width)} ${num(vb.height)}" role="img">` +
    `<title>${escapeXml(options.label)}</title>${defs}${options.body}</svg>\n`
  );
}

/** A square crop around a random point, for "detail" views of a larger picture. */
export function detailCrop(random: Random, width: number, height: number, share = 0.42): ViewBox {
  const size = Math.min(width, height) * share;
  return {
    x: random.float(0, width - size),
    y: random.float(0, height - size),
    width: size,
    height: size,
  };
}

// ---------------------------------------------------------------------------
// Abstract compositions. Each draws on a width × height canvas whose background
// is already painted, using the palette's inks (inks[0] most, inks[1] next).

interface Drawing {
  defs: string;
  body: string;
}

type Composition = (random: Random, width: number, height: number, palette: Palette) => Drawing;

const ink = (palette: Palette, index: number): Colour =>
  palette.inks[index % palette.inks.length] ?? palette.background;

/** Mostly the two leading inks, now and then one of the others. */
function leadingInk(random: Random, palette: Palette): Colour {
  return ink(
    palette,
    random.weighted([
      [0, 5],
      [1, 3],
      [2, 1],
      [3, 1],
    ]),
  );
}

const circles: Composition = (random, width, height, palette) => {
  const short = Math.min(width, height);
  let body = '';
  const count = random.int(6, 13);
  for (let i = 0; i < count; i++) {
    body += el('circle', {
      cx: random.float(0.05, 0.95) * width,
      cy: random.float(0.05, 0.95) * height,
      r: random.float(0.06, 0.3) * short,
      fill: (i < count / 2 ? ink(palette, 0) : leadingInk(random, palette)).hex,
      'fill-opacity': random.float(0.55, 0.95),
    });
  }
  return { defs: '', body };
};

const stripes: Composition = (random, width, height, palette) => {
  const angle = random.pick([0, 90, 45, -45, 30, -60]);
  // Rotated bands must still cover the corners: draw on the diagonal square.
  const diagonal = Math.hypot(width, height);
  const x0 = width / 2 - diagonal / 2;
  let body = '';
  let y = height / 2 - diagonal / 2;
  let i = 0;
  while (y < height / 2 + diagonal / 2 && i < 28) {
    const band = random.float(0.02, 0.09) * diagonal;
    if (i % 2 === 0) {
      body += el('rect', {
        x: x0,
        y,
        width: diagonal,
        height: band,
        fill: leadingInk(random, palette).hex,
      });
    }
    y += band;
    i++;
  }
  return {
    defs: '',
    body: `<g transform="rotate(${angle} ${num(width / 2)} ${num(height / 2)})">${body}</g>`,
  };
};

const grid: Composition = (random, width, height, palette) => {
  const cols = random.int(3, 6);
  const cell = width / cols;
  const rows = Math.min(9, Math.ceil(height / cell));
  let body = '';
  for (let row = 0; row < rows; row++) {
    for (let col = 0; col < cols; col++) {
      const x = col * cell;
      const y = row * cell;
      const colour = leadingInk(random, palette).hex;
      const shape = random.int(0, 4);
      if (shape === 0) body += el('rect', { x, y, width: cell, height: cell, fill: colour });
      else if (shape === 1)
        body += el('circle', { cx: x + cell / 2, cy: y + cell / 2, r: cell * 0.38, fill: colour });
      else if (shape === 2) {
        // A quarter disc anchored in one corner of the cell.
        const corner = random.int(0, 3);
        const cx = corner % 2 === 0 ? x : x + cell;
        const cy = corner < 2 ? y : y + cell;
        const sx = corner % 2 === 0 ? 1 : -1;
        const sy = corner < 2 ? 1 : -1;
        body += el('path', {
          d: `M${num(cx)} ${num(cy)}h${num(sx * cell)}a${num(cell)} ${num(cell)} 0 0 ${sx * sy > 0 ? 1 : 0} ${num(-sx * cell)} ${num(sy * cell)}z`,
          fill: colour,
        });
      } else if (shape === 3) {
        body += el('path', {
          d: `M${num(x)} ${num(y + cell)}L${num(x + cell / 2)} ${num(y)}L${num(x + cell)} ${num(y + cell)}z`,
          fill: colour,
        });
      }
      // shape 4: the cell stays empty, which gives the grid room to breathe.
    }
  }
  return { defs: '', body };
};

const waves: Composition = (random, width, height, palette) => {
  const bands = random.int(4, 8);
  let body = '';
  for (let i = 0; i < bands; i++) {
    const base = ((i + 1) / (bands + 1)) * height;
    const amp = random.float(0.03, 0.12) * height;
    const y = () => num(base + random.float(-amp, amp));
    const d =
      `M0 ${num(base)}C${num(width * 0.25)} ${y()} ${num(width * 0.25)} ${y()} ${num(width * 0.5)} ${num(base)}` +
      `S${num(width * 0.75)} ${y()} ${num(width)} ${num(base)}V${num(height)}H0z`;
    body += el('path', {
      d,
      fill: ink(palette, i % 2 === 0 ? 0 : random.int(1, 3)).hex,
      'fill-opacity': 0.9,
    });
  }
  return { defs: '', body };
};

const polygons: Composition = (random, width, height, palette) => {
  let body = '';
  const count = random.int(5, 11);
  for (let i = 0; i < count; i++) {
    const corners = random.int(3, 4);
    const cx = random.float(0.1, 0.9) * width;
    const cy = random.float(0.1, 0.9) * height;
    const spread = random.float(0.15, 0.45) * Math.min(width, height);
    const points: string[] = [];
    for (let k = 0; k < corners; k++) {
      const angle = (k / corners) * Math.PI * 2 + random.float(-0.4, 0.4);
      points.push(`${num(cx + Math.cos(angle) * spread)},${num(cy + Math.sin(angle) * spread)}`);
    }
    body += el('polygon', {
      points: points.join(' '),
      fill: leadingInk(random, palette).hex,
      'fill-opacity': random.float(0.7, 0.95),
    });
  }
  return { defs: '', body };
};

const arcs: Composition = (random, width, height, palette) => {
  let body = '';
  const centres = random.int(1, 3);
  for (let i = 0; i < centres; i++) {
    const cx = random.pick([0, 0.5, 1]) * width;
    const cy = random.pick([0, 0.5, 1]) * height;
    const rings = random.int(3, 6);
    const outer = random.float(0.35, 0.75) * Math.max(width, height);
    for (let k = 0; k < rings; k++) {
      body += el('circle', {
        cx,
        cy,
        r: outer * (1 - k / rings),
        fill: ink(palette, (i + k) % 2 === 0 ? 0 : k % 3 === 0 ? 2 : 1).hex,
      });
    }
  }
  return { defs: '', body };
};

const fields: Composition = (random, width, height, palette) => {
  const count = random.int(2, 3);
  const margin = 0.08 * width;
  const gap = 0.04 * height;
  const bandHeight = (height - 2 * margin - gap * (count - 1)) / count;
  let body = '';
  for (let i = 0; i < count; i++) {
    body += el('rect', {
      x: margin,
      y: margin + i * (bandHeight + gap),
      width: width - 2 * margin,
      height: bandHeight * random.float(0.85, 1),
      rx: 0.02 * width,
      fill: ink(palette, i === 0 ? 0 : i).hex,
      'fill-opacity': random.float(0.8, 0.95),
      filter: 'url(#soft)',
    });
  }
  return {
    defs: `<filter id="soft" x="-10%" y="-10%" width="120%" height="120%"><feGaussianBlur stdDeviation="${num(0.008 * width)}"/></filter>`,
    body,
  };
};

const lines: Composition = (random, width, height, palette) => {
  let body = '';
  const count = random.int(14, 26);
  for (let i = 0; i < count; i++) {
    const y0 = random.float(0.1, 0.9) * height;
    const d = `M${num(random.float(0, 0.2) * width)} ${num(y0)}Q${num(random.float(0.3, 0.7) * width)} ${num(
      y0 + random.float(-0.3, 0.3) * height,
    )} ${num(random.float(0.8, 1) * width)} ${num(y0 + random.float(-0.15, 0.15) * height)}`;
    body += el('path', {
      d,
      fill: 'none',
      stroke: (i % 7 === 6 ? ink(palette, 1) : ink(palette, 0)).hex,
      'stroke-width': random.float(0.002, 0.008) * width,
      'stroke-linecap': 'round',
      'stroke-opacity': random.float(0.6, 1),
    });
  }
  return { defs: '', body };
};

const horizon: Composition = (random, width, height, palette) => {
  // A sky fading from the background colour to the palette's lightest ink, a
  // sun, and hills that darken towards the viewer: reads as a landscape photo.
  const defs =
    `<linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${palette.background.hex}"/>` +
    `<stop offset="1" stop-color="${ink(palette, 2).hex}"/></linearGradient>`;
  let body = el('rect', { width, height, fill: 'url(#sky)' });
  body += el('circle', {
    cx: random.float(0.2, 0.8) * width,
    cy: random.float(0.2, 0.45) * height,
    r: random.float(0.05, 0.1) * Math.min(width, height),
    fill: ink(palette, 1).hex,
    'fill-opacity': 0.9,
  });
  const hills = random.int(3, 4);
  for (let i = 0; i < hills; i++) {
    const base = height * (0.5 + (i * 0.4) / hills);
    const y = () => num(base - random.float(0.02, 0.18) * height);
    body += el('path', {
      d: `M0 ${y()}C${num(width * 0.3)} ${y()} ${num(width * 0.6)} ${y()} ${num(width)} ${y()}V${num(height)}H0z`,
      fill: ink(palette, i === hills - 1 ? 0 : i % 2 === 0 ? 3 : 0).hex,
      'fill-opacity': 0.55 + (0.45 * (i + 1)) / hills,
    });
  }
  return { defs, body };
};

const COMPOSITIONS: Record<Motif, Composition> = {
  circles,
  stripes,
  grid,
  waves,
  polygons,
  arcs,
  fields,
  lines,
  horizon,
};

/** Paints the background and one composition; the caller wraps it in a document. */
export function drawComposition(
  random: Random,
  motif: Motif,
  palette: Palette,
  width: number,
  height: number,
): Drawing {
  const drawing = COMPOSITIONS[motif](random, width, height, palette);
  return {
    defs: drawing.defs,
    body: el('rect', { width, height, fill: palette.background.hex }) + drawing.body,
  };
}

/** What a composition shows, in words: the start of its alt text. */
export function describeComposition(motif: Motif, palette: Palette): string {
  const a = ink(palette, 0).name;
  const b = ink(palette, 1).name;
  const bg = palette.background.name;
  switch (motif) {
    case 'circles':
      return `Abstract composition of overlapping ${a} and ${b} circles on ${bg}`;
    case 'stripes':
      return `Abstract composition of ${a} and ${b} stripes on ${bg}`;
    case 'grid':
      return `Geometric grid of ${a} and ${b} shapes on ${bg}`;
    case 'waves':
      return `Abstract composition of layered ${a} and ${b} waves on ${bg}`;
    case 'polygons':
      return `Abstract composition of angular ${a} and ${b} shapes on ${bg}`;
    case 'arcs':
      return `Abstract composition of concentric ${a} and ${b} arcs on ${bg}`;
    case 'fields':
      return `Colour-field painting of soft ${a} and ${b} bands on ${bg}`;
    case 'lines':
      return `Line drawing of flowing ${a} strokes on ${bg}`;
    case 'horizon':
      return `Landscape of ${a} hills under ${article(bg)} sky`;
  }
}

/** A palette with its inks reordered, so each work leads with different colours. */
export function varyPalette(random: Random, palette: Palette): Palette {
  return { ...palette, inks: random.shuffle(palette.inks) };
}

// ---------------------------------------------------------------------------
// Artworks: the whole work, a detail, or the work framed on a wall.

/** Walls for the "in the room" view. */
export const WALLS: readonly Colour[] = [
  c('warm white', '#f3efe8'),
  c('pale grey', '#dfe1e0'),
  c('sage', '#b9c4b0'),
  c('charcoal', '#3b3d3f'),
  c('clay', '#c9a68f'),
];

export interface ArtworkSpec {
  kind: 'artwork';
  /** Seeds the composition; the same seed draws the same work in every view. */
  seed: string;
  motif: Motif;
  palette: Palette;
  /** Size of the work itself, in drawing units (px). */
  canvasWidth: number;
  canvasHeight: number;
  view: 'full' | 'detail' | 'room';
  /** Accessible name of the picture (also the alt text). */
  label: string;
  /** Works on paper get a white mount inside the frame. */
  mounted?: boolean;
  /** Wall colour of the room view (named in its alt text). */
  wall?: Colour;
}

/** Output size of an artwork picture, as recorded in product_images. */
export function artworkSize(spec: Pick<ArtworkSpec, 'view' | 'canvasWidth' | 'canvasHeight'>): {
  width: number;
  height: number;
} {
  if (spec.view === 'detail') return { width: 800, height: 800 };
  if (spec.view === 'room') return { width: 1200, height: 800 };
  return { width: spec.canvasWidth, height: spec.canvasHeight };
}

/** Draws an artwork picture; the same spec always gives the same bytes. */
export function renderArtwork(spec: ArtworkSpec): string {
  const random = createRandom(spec.seed);
  const { canvasWidth: cw, canvasHeight: ch } = spec;
  const drawing = drawComposition(random.fork('composition'), spec.motif, spec.palette, cw, ch);
  const size = artworkSize(spec);
  if (spec.view === 'full') return svgDocument({ ...size, label: spec.label, ...drawing });
  if (spec.view === 'detail') {
    return svgDocument({
      ...size,
      viewBox: detailCrop(random.fork('crop'), cw, ch),
      label: spec.label,
      ...drawing,
    });
  }

  // The room: the work hangs centred above a floor, at most 56% of the wall high.
  const wall = spec.wall ?? WALLS[0] ?? c('white', '#ffffff');
  const scale = Math.min((0.56 * size.height) / ch, (0.5 * size.width) / cw);
  const w = cw * scale;
  const h = ch * scale;
  const x = (size.width - w) / 2;
  const y = 0.4 * size.height - h / 2;
  const frame = 14;
  const mount = spec.mounted ? 26 : 0;
  const floorY = 0.82 * size.height;
  let body = el('rect', { width: size.width, height: size.height, fill: wall.hex });
  body += el('rect', {
    y: floorY,
    width: size.width,
    height: size.height - floorY,
    fill: '#8a6f55',
  });
  body += el('rect', {
    y: floorY - 8,
    width: size.width,
    height: 8,
    fill: '#ffffff',
    'fill-opacity': 0.6,
  });
  const outer = {
    x: x - frame - mount,
    y: y - frame - mount,
    width: w + 2 * (frame + mount),
    height: h + 2 * (frame + mount),
  };
  body += el('rect', {
    ...outer,
    x: outer.x + 10,
    y: outer.y + 14,
    fill: '#000000',
    'fill-opacity': 0.18,
  });
  body += el('rect', { ...outer, fill: '#1f1f1f' });
  if (mount)
    body += el('rect', {
      x: x - mount,
      y: y - mount,
      width: w + 2 * mount,
      height: h + 2 * mount,
      fill: '#fbfaf7',
    });
  // A nested <svg> clips the work to its own canvas, just like the full view.
  body += `<svg${attrs({ x, y, width: w, height: h })} viewBox="0 0 ${cw} ${ch}">${drawing.body}</svg>`;
  // A low bench gives the wall a sense of scale.
  const benchW = 0.3 * size.width;
  const benchX = random.chance(0.5) ? 0.08 * size.width : 0.62 * size.width;
  body += el('rect', { x: benchX, y: floorY + 20, width: benchW, height: 16, fill: '#5b4636' });
  body += el('rect', { x: benchX + 12, y: floorY + 36, width: 10, height: 60, fill: '#4a392c' });
  body += el('rect', {
    x: benchX + benchW - 22,
    y: floorY + 36,
    width: 10,
    height: 60,
    fill: '#4a392c',
  });
  return svgDocument({ ...size, label: spec.label, defs: drawing.defs, body });
}
