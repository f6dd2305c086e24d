import {
  type Colour,
  drawComposition,
  el,
  type Motif,
  num,
  type Palette,
  svgDocument,
  text,
  type ViewBox,
} from './art.ts';
import { createRandom, type Random } from './random.ts';

/*
 * Product pictures for the shops that do not sell paintings: book covers,
 * watches and accessories. Same rules as art.ts: deterministic, standalone,
 * no script and no links.
 */

/** Dark text on light colours and light text on dark ones. */
function contrastText(hex: string): string {
  const value = Number.parseInt(hex.slice(1), 16);
  const channel = (shift: number) => {
    const v = ((value >> shift) & 0xff) / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(16) + 0.7152 * channel(8) + 0.0722 * channel(0);
  return luminance > 0.4 ? '#1a1a1a' : '#fafafa';
}

/** Greedy word wrap; the last line ends in an ellipsis when the text does not fit. */
export function wrapText(content: string, maxChars: number, maxLines: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of content.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > maxChars) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  if (lines.length <= maxLines) return lines;
  const kept = lines.slice(0, maxLines);
  kept[maxLines - 1] = `${kept[maxLines - 1]}…`;
  return kept;
}

const SERIF = 'Georgia, serif';
const SANS = 'Helvetica, Arial, sans-serif';

// ---------------------------------------------------------------------------
// Books

export interface BookSpec {
  kind: 'book';
  seed: string;
  side: 'front' | 'back';
  motif: Motif;
  palette: Palette;
  title: string;
  author: string;
  publisher: string;
  /** 13 digits; drawn as an EAN-13 barcode on the back. */
  isbn: string;
  blurb: string;
  label: string;
}

export const BOOK_SIZE = { width: 600, height: 900 } as const;

/* EAN-13 symbology: L and G codes for the left half (G chosen by the first
 * digit's parity pattern), R codes for the right half. */
const EAN_L = [
  '0001101',
  '0011001',
  '0010011',
  '0111101',
  '0100011',
  '0110001',
  '0101111',
  '0111011',
  '0110111',
  '0001011',
];
const EAN_G = [
  '0100111',
  '0110011',
  '0011011',
  '0100001',
  '0011101',
  '0111001',
  '0000101',
  '0010001',
  '0001001',
  '0010111',
];
const EAN_R = [
  '1110010',
  '1100110',
  '1101100',
  '1000010',
  '1011100',
  '1001110',
  '1010000',
  '1000100',
  '1001000',
  '1110100',
];
const EAN_PARITY = [
  'LLLLLL',
  'LLGLGG',
  'LLGGLG',
  'LLGGGL',
  'LGLLGG',
  'LGGLLG',
  'LGGGLL',
  'LGLGLG',
  'LGLGGL',
  'LGGLGL',
];

/** The 95 modules of an EAN-13 barcode, '1' for a bar. */
export function ean13Modules(digits: string): string {
  if (!/^\d{13}$/.test(digits)) throw new RangeError(`EAN-13 needs 13 digits, got "${digits}"`);
  const d = [...digits].map(Number);
  const parity = EAN_PARITY[d[0] ?? 0] ?? 'LLLLLL';
  let modules = '101';
  for (let i = 1; i <= 6; i++) modules += (parity[i - 1] === 'G' ? EAN_G : EAN_L)[d[i] ?? 0];
  modules += '01010';
  for (let i = 7; i <= 12; i++) modules += EAN_R[d[i] ?? 0];
  return `${modules}101`;
}

function barcode(isbn: string, x: number, y: number, module: number, height: number): string {
  const modules = ean13Modules(isbn);
  let body = el('rect', {
    x: x - 14,
    y: y - 14,
    width: 95 * module + 28,
    height: height + 44,
    fill: '#ffffff',
  });
  // One rect per run of bars keeps the file small.
  for (let i = 0; i < modules.length; ) {
    if (modules[i] !== '1') {
      i++;
      continue;
    }
    let run = 1;
    while (modules[i + run] === '1') run++;
    body += el('rect', { x: x + i * module, y, width: run * module, height, fill: '#111111' });
    i += run;
  }
  body += text(`ISBN ${isbn}`, {
    x: x + (95 * module) / 2,
    y: y + height + 20,
    'font-family': SANS,
    'font-size': 15,
    'text-anchor': 'middle',
    fill: '#111111',
  });
  return body;
}

/** A book's front cover (composition, title panel, author) or back (blurb, publisher, barcode). */
export function renderBook(spec: BookSpec): string {
  const random = createRandom(spec.seed);
  const { width, height } = BOOK_SIZE;
  const art = drawComposition(random.fork('composition'), spec.motif, spec.palette, width, height);

  if (spec.side === 'back') {
    const ground = spec.palette.background.hex;
    const ink = contrastText(ground);
    let body = el('rect', { width, height, fill: ground });
    body += `<svg width="${width}" height="150" viewBox="0 0 ${width} 150">${art.body}</svg>`;
    wrapText(spec.blurb, 40, 10).forEach((line, i) => {
      body += text(line, {
        x: 60,
        y: 230 + i * 34,
        'font-family': SERIF,
        'font-size': 22,
        fill: ink,
      });
    });
    body += text(spec.publisher, {
      x: 60,
      y: height - 70,
      'font-family': SANS,
      'font-size': 18,
      fill: ink,
      'letter-spacing': 1,
    });
    body += barcode(spec.isbn, width - 60 - 95 * 2.2, height - 190, 2.2, 110);
    return svgDocument({ width, height, label: spec.label, defs: art.defs, body });
  }

  // Front: the composition fills the cover; a panel carries title and author.
  const layout = random.pick(['band', 'box', 'foot'] as const);
  const panelX = layout === 'box' ? 60 : 0;
  const titleLines = wrapText(spec.title, 16, 4);
  const longest = Math.max(...titleLines.map((l) => l.length));
  // A serif capital-and-lowercase line is about 0.55 em per character.
  const size = Math.max(30, Math.min(70, (width - 2 * panelX - 60) / (longest * 0.58)));
  const lineHeight = size * 1.15;
  const panelHeight = titleLines.length * lineHeight + 120;
  const panelY =
    layout === 'band'
      ? 120
      : layout === 'box'
        ? (height - panelHeight) / 2
        : height - panelHeight - 40;
  const panelFill = random.chance(0.5) ? spec.palette.background.hex : '#fbf8f1';
  const ink = contrastText(panelFill);
  let body = art.body;
  body += el('rect', {
    x: panelX,
    y: panelY,
    width: width - 2 * panelX,
    height: panelHeight,
    fill: panelFill,
    'fill-opacity': 0.94,
  });
  titleLines.forEach((line, i) => {
    body += text(line, {
      x: width / 2,
      y: panelY + 50 + size * 0.8 + i * lineHeight,
      'font-family': SERIF,
      'font-size': size,
      'text-anchor': 'middle',
      fill: ink,
    });
  });
  body += text(spec.author.toUpperCase(), {
    x: width / 2,
    y: panelY + panelHeight - 36,
    'font-family': SANS,
    'font-size': 22,
    'letter-spacing': 3,
    'text-anchor': 'middle',
    fill: ink,
  });
  return svgDocument({ width, height, label: spec.label, defs: art.defs, body });
}

// ---------------------------------------------------------------------------
// Watches

export type WatchStyle = 'dress' | 'dive' | 'chronograph' | 'pilot' | 'field' | 'gmt';
export type StrapKind = 'leather' | 'bracelet' | 'rubber' | 'nato';

export interface WatchSpec {
  kind: 'watch';
  seed: string;
  view: 'front' | 'caseback' | 'detail';
  label: string;
  /** Printed under 12 o'clock and engraved on the back. */
  brand: string;
  /** Printed above 6 o'clock, e.g. "AUTOMATIC". */
  dialText: string;
  style: WatchStyle;
  dial: Colour;
  metal: Colour;
  strap: { kind: StrapKind; colour: Colour };
  accent: Colour;
  diameterMm: number;
  /** Display caseback showing the movement (automatics), else engraved steel. */
  displayBack: boolean;
  /** Lines engraved on the caseback. */
  engraving: readonly string[];
}

/** Output size of a watch picture: the front is portrait, the others square. */
export function watchSize(view: WatchSpec['view']): { width: number; height: number } {
  return view === 'front' ? { width: 800, height: 1000 } : { width: 800, height: 800 };
}

/** A hand pointing at 12 o'clock from (cx, cy), rotated by `angle` degrees. */
function hand(
  cx: number,
  cy: number,
  length: number,
  width: number,
  angle: number,
  fill: string,
  stroke: string,
): string {
  const tail = length * 0.18;
  const points = [
    [cx - width / 2, cy + tail],
    [cx - width / 2, cy - length + width],
    [cx, cy - length],
    [cx + width / 2, cy - length + width],
    [cx + width / 2, cy + tail],
  ]
    .map(([x, y]) => `${num(x ?? 0)},${num(y ?? 0)}`)
    .join(' ');
  return el('polygon', {
    points,
    fill,
    stroke,
    'stroke-width': 1.5,
    transform: `rotate(${angle} ${num(cx)} ${num(cy)})`,
  });
}

function strapPiece(
  spec: WatchSpec,
  x: number,
  y: number,
  w: number,
  h: number,
  random: Random,
): string {
  const { colour, kind } = spec.strap;
  let body = el('rect', {
    x,
    y,
    width: w,
    height: h,
    rx: kind === 'bracelet' ? 6 : 14,
    fill: colour.hex,
  });
  if (kind === 'bracelet') {
    // Three-link bracelet: a centre row of links between two outer rows.
    for (let ly = y + 6; ly < y + h - 20; ly += 38) {
      body += el('rect', {
        x: x + w * 0.3,
        y: ly,
        width: w * 0.4,
        height: 32,
        rx: 4,
        fill: '#ffffff',
        'fill-opacity': 0.25,
      });
    }
  } else if (kind === 'nato') {
    body += el('rect', {
      x: x + w * 0.38,
      y,
      width: w * 0.24,
      height: h,
      fill: spec.accent.hex,
      'fill-opacity': 0.85,
    });
  } else if (kind === 'rubber') {
    for (let ly = y + 30; ly < y + h - 20; ly += random.pick([30, 40])) {
      body += el('rect', {
        x: x + w * 0.15,
        y: ly,
        width: w * 0.7,
        height: 6,
        rx: 3,
        fill: '#000000',
        'fill-opacity': 0.25,
      });
    }
  } else {
    body += el('rect', {
      x: x + 8,
      y: y + 8,
      width: w - 16,
      height: h - 16,
      rx: 10,
      fill: 'none',
      stroke: '#f3e9d8',
      'stroke-opacity': 0.7,
      'stroke-width': 2,
      'stroke-dasharray': '7 6',
    });
  }
  return body;
}

function watchFront(spec: WatchSpec, random: Random): { defs: string; body: string } {
  const { width, height } = watchSize('front');
  const cx = width / 2;
  const cy = height / 2;
  const R = (200 * spec.diameterMm) / 40;
  const strapW = R * 1.02;
  const dialR = R * (spec.style === 'dive' || spec.style === 'gmt' ? 0.72 : 0.84);
  const ink = contrastText(spec.dial.hex);
  const handFill = spec.style === 'dive' || spec.style === 'pilot' ? '#f4f1e6' : ink;

  const defs =
    `<radialGradient id="sheen" cx="0.35" cy="0.3" r="0.8"><stop offset="0" stop-color="#ffffff" stop-opacity="0.35"/>` +
    `<stop offset="1" stop-color="#ffffff" stop-opacity="0"/></radialGradient>`;
  let body = el('rect', { width, height, fill: '#ece8e1' });
  body += strapPiece(
    spec,
    cx - strapW / 2,
    -20,
    strapW,
    cy - R * 0.55 + 20,
    random.fork('strap-top'),
  );
  body += strapPiece(
    spec,
    cx - strapW / 2,
    cy + R * 0.55,
    strapW,
    height - cy - R * 0.55 + 20,
    random.fork('strap-bottom'),
  );
  for (const sx of [-1, 1]) {
    for (const sy of [-1, 1]) {
      body += el('rect', {
        x: cx + sx * strapW * 0.5 - (sx > 0 ? 22 : 0),
        y: cy + sy * R * 0.78 - (sy < 0 ? 70 : 0),
        width: 22,
        height: 70,
        rx: 8,
        fill: spec.metal.hex,
      });
    }
  }
  body += el('rect', {
    x: cx + R - 6,
    y: cy - 22,
    width: 34,
    height: 44,
    rx: 6,
    fill: spec.metal.hex,
    stroke: '#00000033',
  });
  body += el('circle', {
    cx,
    cy,
    r: R,
    fill: spec.metal.hex,
    stroke: '#00000040',
    'stroke-width': 3,
  });

  if (spec.style === 'dive' || spec.style === 'gmt') {
    // Rotating bezel; a GMT bezel is two-tone (day and night halves).
    const bezelR = R * 0.86;
    const bezelW = R * 0.2;
    body += el('circle', {
      cx,
      cy,
      r: bezelR,
      fill: 'none',
      stroke: spec.style === 'dive' ? '#1b1b1b' : spec.accent.hex,
      'stroke-width': bezelW,
    });
    if (spec.style === 'gmt') {
      body += el('path', {
        d: `M${num(cx - bezelR)} ${num(cy)}A${num(bezelR)} ${num(bezelR)} 0 0 0 ${num(cx + bezelR)} ${num(cy)}`,
        fill: 'none',
        stroke: '#1b1b1b',
        'stroke-width': bezelW,
      });
    }
    const circumference = 2 * Math.PI * bezelR;
    body += el('circle', {
      cx,
      cy,
      r: bezelR,
      fill: 'none',
      stroke: '#f4f1e6',
      'stroke-width': bezelW * 0.3,
      'stroke-dasharray': `2 ${num(circumference / 60 - 2)}`,
      transform: `rotate(-90.5 ${cx} ${cy})`,
    });
    body += el('polygon', {
      points: `${num(cx)},${num(cy - bezelR + bezelW * 0.35)} ${num(cx - 14)},${num(cy - bezelR - bezelW * 0.3)} ${num(cx + 14)},${num(cy - bezelR - bezelW * 0.3)}`,
      fill: '#f4f1e6',
    });
  }

  body += el('circle', { cx, cy, r: dialR, fill: spec.dial.hex });
  body += el('circle', { cx, cy, r: dialR, fill: 'url(#sheen)' });
  const trackR = dialR * 0.94;
  body += el('circle', {
    cx,
    cy,
    r: trackR,
    fill: 'none',
    stroke: ink,
    'stroke-opacity': 0.7,
    'stroke-width': dialR * 0.04,
    'stroke-dasharray': `1.5 ${num((2 * Math.PI * trackR) / 60 - 1.5)}`,
    transform: `rotate(-90.2 ${cx} ${cy})`,
  });

  if (spec.style === 'pilot' || spec.style === 'field') {
    for (let h = 1; h <= 12; h++) {
      const angle = (h / 12) * Math.PI * 2;
      const r = dialR * 0.76;
      body += text(String(h), {
        x: cx + Math.sin(angle) * r,
        y: cy - Math.cos(angle) * r + dialR * 0.06,
        'font-family': SANS,
        'font-size': dialR * 0.17,
        'font-weight': 'bold',
        'text-anchor': 'middle',
        fill: ink,
      });
    }
  } else {
    const markerR = dialR * 0.82;
    const markerW = spec.style === 'dress' ? 4 : 10;
    body += el('circle', {
      cx,
      cy,
      r: markerR,
      fill: 'none',
      stroke: spec.style === 'dress' ? spec.metal.hex : ink,
      'stroke-width': dialR * 0.12,
      'stroke-dasharray': `${markerW} ${num((2 * Math.PI * markerR) / 12 - markerW)}`,
      transform: `rotate(${num(-90 - (markerW / (2 * Math.PI * markerR)) * 180)} ${cx} ${cy})`,
    });
  }

  body += text(spec.brand.toUpperCase(), {
    x: cx,
    y: cy - dialR * 0.38,
    'font-family': SERIF,
    'font-size': dialR * 0.11,
    'letter-spacing': 2,
    'text-anchor': 'middle',
    fill: ink,
  });
  body += text(spec.dialText, {
    x: cx,
    y: cy + dialR * 0.5,
    'font-family': SANS,
    'font-size': dialR * 0.065,
    'letter-spacing': 2,
    'text-anchor': 'middle',
    fill: ink,
    'fill-opacity': 0.8,
  });

  if (spec.style === 'chronograph') {
    for (const sx of [-1, 1]) {
      const sxc = cx + sx * dialR * 0.45;
      body += el('circle', {
        cx: sxc,
        cy: cy + dialR * 0.05,
        r: dialR * 0.2,
        fill: ink,
        'fill-opacity': 0.12,
        stroke: ink,
        'stroke-opacity': 0.5,
      });
      body += hand(sxc, cy + dialR * 0.05, dialR * 0.17, 3, random.int(0, 359), ink, 'none');
    }
  } else if (random.chance(0.7)) {
    // A date window at 3 o'clock.
    body += el('rect', {
      x: cx + dialR * 0.55,
      y: cy - dialR * 0.08,
      width: dialR * 0.2,
      height: dialR * 0.16,
      fill: '#ffffff',
      stroke: '#00000055',
    });
    body += text(String(random.int(1, 31)), {
      x: cx + dialR * 0.65,
      y: cy + dialR * 0.045,
      'font-family': SANS,
      'font-size': dialR * 0.11,
      'text-anchor': 'middle',
      fill: '#1a1a1a',
    });
  }

  // Hands at ten past ten, as in every watch catalogue.
  body += hand(cx, cy, dialR * 0.52, dialR * 0.075, 305, handFill, '#00000066');
  body += hand(cx, cy, dialR * 0.8, dialR * 0.055, 60, handFill, '#00000066');
  if (spec.style === 'gmt')
    body += hand(cx, cy, dialR * 0.86, 6, random.int(120, 250), spec.accent.hex, 'none');
  body += el('line', {
    x1: cx,
    y1: cy + dialR * 0.2,
    x2: cx,
    y2: cy - dialR * 0.88,
    stroke: spec.accent.hex,
    'stroke-width': 3,
    transform: `rotate(${random.int(0, 59) * 6} ${cx} ${cy})`,
  });
  body += el('circle', { cx, cy, r: dialR * 0.04, fill: spec.accent.hex });
  // Reflection on the crystal.
  body += el('path', {
    d: `M${num(cx - dialR * 0.8)} ${num(cy - dialR * 0.2)}A${num(dialR)} ${num(dialR)} 0 0 1 ${num(cx + dialR * 0.3)} ${num(cy - dialR * 0.85)}A${num(dialR * 1.2)} ${num(dialR * 1.2)} 0 0 0 ${num(cx - dialR * 0.8)} ${num(cy - dialR * 0.2)}z`,
    fill: '#ffffff',
    'fill-opacity': 0.12,
  });
  return { defs, body };
}

function watchBack(spec: WatchSpec, random: Random): string {
  const { width, height } = watchSize('caseback');
  const cx = width / 2;
  const cy = height / 2;
  const R = 300;
  let body = el('rect', { width, height, fill: '#ece8e1' });
  body += el('circle', {
    cx,
    cy,
    r: R,
    fill: spec.metal.hex,
    stroke: '#00000040',
    'stroke-width': 4,
  });
  body += el('circle', {
    cx,
    cy,
    r: R * 0.9,
    fill: 'none',
    stroke: '#00000030',
    'stroke-width': 10,
  });
  if (spec.displayBack) {
    // Sapphire window: the movement, its rotor and a few ruby jewels.
    const window = R * 0.5;
    body += el('circle', { cx, cy, r: window, fill: '#2a2f36' });
    for (let k = 1; k <= 4; k++)
      body += el('circle', {
        cx,
        cy,
        r: window * 0.22 * k,
        fill: 'none',
        stroke: '#ffffff',
        'stroke-opacity': 0.06,
        'stroke-width': 6,
      });
    body += el('path', {
      d: `M${num(cx - window * 0.94)} ${num(cy)}A${num(window * 0.94)} ${num(window * 0.94)} 0 0 1 ${num(cx + window * 0.94)} ${num(cy)}z`,
      fill: '#c9a227',
      'fill-opacity': 0.9,
      transform: `rotate(${random.int(0, 359)} ${cx} ${cy})`,
    });
    for (let j = 0; j < 5; j++) {
      body += el('circle', {
        cx: cx + random.float(-0.6, 0.6) * window,
        cy: cy + random.float(-0.6, 0.6) * window,
        r: 7,
        fill: '#b0123b',
      });
    }
    body += el('circle', { cx, cy, r: window, fill: '#ffffff', 'fill-opacity': 0.06 });
  } else {
    for (let k = 1; k <= 3; k++)
      body += el('circle', {
        cx,
        cy,
        r: R * (0.2 + 0.12 * k),
        fill: 'none',
        stroke: '#00000026',
        'stroke-width': 2,
      });
  }
  const lines = [spec.brand.toUpperCase(), ...spec.engraving];
  const engraved = {
    'font-family': SANS,
    'letter-spacing': 1,
    'text-anchor': 'middle',
    fill: '#000000',
    'fill-opacity': 0.55,
  };
  if (spec.displayBack) {
    // Around the window: the name above, the rest in two lines below.
    const [metal, ...rest] = spec.engraving;
    body += text(lines[0] ?? '', { ...engraved, x: cx, y: cy - R * 0.6, 'font-size': 24 });
    body += text(metal ?? '', { ...engraved, x: cx, y: cy + R * 0.64, 'font-size': 16 });
    body += text(rest.join(' · '), { ...engraved, x: cx, y: cy + R * 0.73, 'font-size': 15 });
  } else {
    const top = cy - (lines.length - 1) * 17;
    lines.forEach((line, i) => {
      body += text(line, {
        ...engraved,
        x: cx,
        y: top + i * 34,
        'font-size': i === 0 ? 30 : 20,
        'letter-spacing': 2,
      });
    });
  }
  return svgDocument({ width, height, label: spec.label, body });
}

/** A watch seen from the front (strap, case, dial, hands at 10:10), its caseback, or a dial close-up. */
export function renderWatch(spec: WatchSpec): string {
  const random = createRandom(spec.seed);
  if (spec.view === 'caseback') return watchBack(spec, random.fork('back'));
  const front = watchFront(spec, random.fork('front'));
  if (spec.view === 'front')
    return svgDocument({ ...watchSize('front'), label: spec.label, ...front });
  // Detail: a close-up of the dial, slightly off centre.
  const size = 340;
  const viewBox: ViewBox = {
    x: 400 - size / 2 + random.float(-60, 60),
    y: 500 - size / 2 + random.float(-60, 60),
    width: size,
    height: size,
  };
  return svgDocument({ ...watchSize('detail'), viewBox, label: spec.label, ...front });
}

// ---------------------------------------------------------------------------
// Accessories

export const ACCESSORY_OBJECTS = [
  'phone-case',
  'laptop-sleeve',
  'cable',
  'charger',
  'wallet',
  'tote',
  'keyboard',
  'watch-strap',
  'desk-mat',
  'stand',
] as const;
export type AccessoryObject = (typeof ACCESSORY_OBJECTS)[number];

export interface AccessorySpec {
  kind: 'accessory';
  seed: string;
  view: 'front' | 'detail';
  label: string;
  object: AccessoryObject;
  colour: Colour;
  accent: Colour;
  backdrop: Colour;
  /** Digital goods (3D-print files) are drawn as a technical drawing. */
  blueprint: boolean;
  brand: string;
}

export const ACCESSORY_SIZE = { width: 800, height: 800 } as const;

interface Look {
  fill: string;
  line: string;
  detail: string;
  dark: string;
  width: number;
}

type ObjectDrawer = (look: Look, random: Random, brand: string) => { defs?: string; body: string };

const OBJECTS: Record<AccessoryObject, ObjectDrawer> = {
  'phone-case': (look, random) => {
    let body = el('rect', {
      x: 250,
      y: 110,
      width: 300,
      height: 580,
      rx: 52,
      fill: look.fill,
      stroke: look.line,
      'stroke-width': look.width,
    });
    body += el('rect', {
      x: 275,
      y: 135,
      width: 130,
      height: 130,
      rx: 30,
      fill: look.dark,
      'fill-opacity': 0.35,
      stroke: look.line,
      'stroke-width': look.width,
    });
    const lenses = random.int(2, 3);
    for (let i = 0; i < lenses; i++) {
      body += el('circle', {
        cx: i === 1 ? 370 : 310,
        cy: i === 2 ? 230 : i === 1 ? 200 : 170,
        r: 22,
        fill: look.dark,
        stroke: look.detail,
        'stroke-width': 3,
      });
    }
    body += el('rect', { x: 546, y: 250, width: 8, height: 70, rx: 4, fill: look.detail });
    return { body };
  },
  'laptop-sleeve': (look, _random, brand) => {
    let body = el('rect', {
      x: 110,
      y: 200,
      width: 580,
      height: 400,
      rx: 28,
      fill: look.fill,
      stroke: look.line,
      'stroke-width': look.width,
    });
    body += el('path', {
      d: 'M140 235H660',
      stroke: look.detail,
      'stroke-width': 6,
      'stroke-dasharray': '4 3',
      fill: 'none',
    });
    body += el('rect', { x: 600, y: 222, width: 46, height: 26, rx: 6, fill: look.detail });
    body += el('rect', {
      x: 520,
      y: 500,
      width: 130,
      height: 60,
      rx: 8,
      fill: look.dark,
      'fill-opacity': 0.4,
    });
    body += text(brand, {
      x: 585,
      y: 537,
      'font-family': SANS,
      'font-size': 14,
      'text-anchor': 'middle',
      fill: look.detail,
    });
    return { body };
  },
  cable: (look, random) => {
    const p = () => `${random.int(200, 600)} ${random.int(200, 600)}`;
    const stroke = look.fill === 'none' ? look.line : look.fill;
    let body = el('path', {
      d: `M230 650C120 420 ${p()} 400 400S${p()} 570 150`,
      fill: 'none',
      stroke,
      'stroke-width': 16,
      'stroke-linecap': 'round',
    });
    body += el('rect', {
      x: 205,
      y: 640,
      width: 50,
      height: 96,
      rx: 10,
      fill: look.detail,
      stroke: look.line,
      'stroke-width': look.width,
    });
    body += el('rect', {
      x: 545,
      y: 64,
      width: 50,
      height: 96,
      rx: 10,
      fill: look.detail,
      stroke: look.line,
      'stroke-width': look.width,
    });
    return { body };
  },
  charger: (look) => {
    let body = el('rect', { x: 360, y: 170, width: 24, height: 90, rx: 4, fill: '#b8b8b8' });
    body += el('rect', { x: 416, y: 170, width: 24, height: 90, rx: 4, fill: '#b8b8b8' });
    body += el('rect', {
      x: 270,
      y: 250,
      width: 260,
      height: 300,
      rx: 44,
      fill: look.fill,
      stroke: look.line,
      'stroke-width': look.width,
    });
    body += el('rect', { x: 360, y: 470, width: 80, height: 24, rx: 12, fill: look.dark });
    body += el('circle', { cx: 400, cy: 300, r: 7, fill: look.detail });
    return { body };
  },
  wallet: (look) => {
    let body = el('rect', {
      x: 180,
      y: 240,
      width: 440,
      height: 320,
      rx: 24,
      fill: look.fill,
      stroke: look.line,
      'stroke-width': look.width,
    });
    body += el('rect', {
      x: 220,
      y: 200,
      width: 360,
      height: 120,
      rx: 12,
      fill: look.detail,
      'fill-opacity': 0.9,
    });
    body += el('rect', {
      x: 180,
      y: 290,
      width: 440,
      height: 270,
      rx: 24,
      fill: look.fill,
      stroke: look.line,
      'stroke-width': look.width,
    });
    body += el('path', {
      d: 'M200 370H600M200 450H600',
      stroke: look.dark,
      'stroke-opacity': 0.35,
      'stroke-width': 3,
    });
    body += el('rect', {
      x: 195,
      y: 305,
      width: 410,
      height: 240,
      rx: 16,
      fill: 'none',
      stroke: look.detail,
      'stroke-width': 2,
      'stroke-dasharray': '8 6',
    });
    return { body };
  },
  tote: (look, _random, brand) => {
    let body = el('path', {
      d: 'M300 340C300 200 500 200 500 340',
      fill: 'none',
      stroke: look.detail,
      'stroke-width': 18,
    });
    body += el('polygon', {
      points: '230,330 570,330 610,690 190,690',
      fill: look.fill,
      stroke: look.line,
      'stroke-width': look.width,
    });
    body += el('rect', {
      x: 330,
      y: 460,
      width: 140,
      height: 120,
      rx: 6,
      fill: look.dark,
      'fill-opacity': 0.18,
    });
    body += text(brand, {
      x: 400,
      y: 420,
      'font-family': SERIF,
      'font-size': 24,
      'text-anchor': 'middle',
      fill: look.detail,
    });
    return { body };
  },
  keyboard: (look) => {
    // Keys drawn once as a pattern tile, so the file stays small.
    const defs = `<pattern id="keys" x="110" y="290" width="50" height="50" patternUnits="userSpaceOnUse"><rect x="4" y="4" width="42" height="42" rx="7" fill="${look.fill === 'none' ? 'none' : '#ffffff'}" fill-opacity="0.82" stroke="${look.line}" stroke-width="${look.width}"/></pattern>`;
    let body = el('rect', {
      x: 90,
      y: 270,
      width: 620,
      height: 260,
      rx: 22,
      fill: look.fill,
      stroke: look.line,
      'stroke-width': look.width,
    });
    body += el('rect', { x: 110, y: 290, width: 600, height: 150, fill: 'url(#keys)' });
    body += el('rect', { x: 114, y: 444, width: 92, height: 42, rx: 7, fill: look.detail });
    body += el('rect', {
      x: 264,
      y: 444,
      width: 280,
      height: 42,
      rx: 7,
      fill: look.fill === 'none' ? 'none' : '#ffffff',
      'fill-opacity': 0.82,
      stroke: look.line,
    });
    body += el('rect', { x: 604, y: 444, width: 92, height: 42, rx: 7, fill: look.detail });
    return { defs, body };
  },
  'watch-strap': (look) => {
    let body = el('rect', {
      x: 350,
      y: 70,
      width: 100,
      height: 300,
      rx: 16,
      fill: look.fill,
      stroke: look.line,
      'stroke-width': look.width,
    });
    body += el('rect', {
      x: 338,
      y: 90,
      width: 124,
      height: 40,
      rx: 8,
      fill: 'none',
      stroke: '#a8a8a8',
      'stroke-width': 8,
    });
    body += el('rect', {
      x: 350,
      y: 420,
      width: 100,
      height: 330,
      rx: 50,
      fill: look.fill,
      stroke: look.line,
      'stroke-width': look.width,
    });
    for (let i = 0; i < 6; i++)
      body += el('circle', { cx: 400, cy: 560 + i * 28, r: 5, fill: look.dark });
    body += el('path', {
      d: 'M362 80V360M438 80V360M362 430V720M438 430V720',
      stroke: look.detail,
      'stroke-width': 2,
      'stroke-dasharray': '6 5',
    });
    return { body };
  },
  'desk-mat': (look) => {
    let body = el('rect', {
      x: 80,
      y: 220,
      width: 640,
      height: 360,
      rx: 24,
      fill: look.fill,
      stroke: look.line,
      'stroke-width': look.width,
    });
    body += el('rect', {
      x: 94,
      y: 234,
      width: 612,
      height: 332,
      rx: 16,
      fill: 'none',
      stroke: look.detail,
      'stroke-width': 3,
      'stroke-dasharray': '9 6',
    });
    body += el('ellipse', {
      cx: 600,
      cy: 420,
      rx: 40,
      ry: 62,
      fill: look.dark,
      'fill-opacity': 0.85,
    });
    return { body };
  },
  stand: (look) => {
    let body = el('polygon', {
      points: '250,640 560,640 540,600 270,600',
      fill: look.fill,
      stroke: look.line,
      'stroke-width': look.width,
    });
    body += el('polygon', {
      points: '330,600 370,600 480,220 440,210',
      fill: look.fill,
      stroke: look.line,
      'stroke-width': look.width,
    });
    body += el('rect', {
      x: 300,
      y: 180,
      width: 190,
      height: 360,
      rx: 26,
      fill: look.dark,
      'fill-opacity': 0.85,
      transform: 'rotate(16 395 360)',
    });
    return { body };
  },
};

/** An accessory on a plain backdrop (or as a blueprint for print files), whole or close up. */
export function renderAccessory(spec: AccessorySpec): string {
  const random = createRandom(spec.seed);
  const { width, height } = ACCESSORY_SIZE;
  const look: Look = spec.blueprint
    ? { fill: 'none', line: '#e8f1fb', detail: '#e8f1fb', dark: 'none', width: 3 }
    : {
        fill: spec.colour.hex,
        line: '#00000030',
        detail: spec.accent.hex,
        dark: '#1c1c1c',
        width: 2,
      };
  const drawn = OBJECTS[spec.object](look, random.fork('object'), spec.brand);
  let defs = drawn.defs ?? '';
  let body: string;
  if (spec.blueprint) {
    defs += `<pattern id="grid" width="40" height="40" patternUnits="userSpaceOnUse"><path d="M40 0H0V40" fill="none" stroke="#ffffff" stroke-opacity="0.15"/></pattern>`;
    body =
      el('rect', { width, height, fill: '#1d4e89' }) +
      el('rect', { width, height, fill: 'url(#grid)' });
    body += drawn.body;
    body += text(`${spec.brand} · STL`, {
      x: width - 40,
      y: height - 40,
      'font-family': SANS,
      'font-size': 18,
      'text-anchor': 'end',
      fill: '#e8f1fb',
    });
  } else {
    body = el('rect', { width, height, fill: spec.backdrop.hex });
    body += el('ellipse', {
      cx: 400,
      cy: 740,
      rx: 280,
      ry: 26,
      fill: '#000000',
      'fill-opacity': 0.1,
    });
    body += drawn.body;
  }
  const viewBox: ViewBox | undefined =
    spec.view === 'detail'
      ? { x: random.float(140, 300), y: random.float(140, 300), width: 360, height: 360 }
      : undefined;
  return svgDocument({ width, height, viewBox, label: spec.label, defs, body });
}
