#!/usr/bin/env node
// bpe_fixtures.js — writes tests/fixtures/bpe/: texts.jsonl (hand-written hard cases plus a
// sample of lines from ../shared/corpora) and, per encoding (gpt2, cl100k, o200k), one JSON
// line per text: {"ids": [...tiktoken ids...], "pieces": [UTF-8 byte lengths of the
// pre-tokens]}. The ids come from npm `tiktoken` (WASM build of OpenAI's Rust code). The
// pieces come from an independent oracle: the encoding's pat_str run as a JavaScript regex
// (\s spelled out as Unicode White_Space, (?i:...) expanded), checked here against tiktoken
// (encoding each piece alone must give the same ids as encoding the whole text), so the C
// pre-tokenizer can be tested even where the rank files are absent.
// Usage: node tools/bpe_fixtures.js [NODE_MODULES_DIR]   (needs `npm install tiktoken`)
// Random mode (differential test, nothing committed):
//   node tools/bpe_fixtures.js --random SEED DIR [NODE_MODULES_DIR]
// writes DIR/texts.jsonl (3,000 strings drawn from a palette of tricky characters) and
// DIR/{gpt2,cl100k,o200k}.txt (tiktoken's ids, one comma-separated line per text).
const fs = require('fs');
const path = require('path');
const { execSync } = require('child_process');
const top = path.resolve(__dirname, '..');
const randomMode = process.argv[2] === '--random';
const nm = (randomMode ? process.argv[5] : process.argv[2]) || path.join(top, 'tests/node_modules');
const { get_encoding } = require(path.join(nm, 'tiktoken'));
const out = path.join(top, 'tests/fixtures/bpe');

if (randomMode) {
  let s = Number(process.argv[3] || 1);
  const dir = process.argv[4];
  const rnd = () => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648; };
  const pal = ["a", "b", "Z", "Q", "'", "'s", "'S", "'ll", "'LL", "'re", "\u017f", " ", "  ", "\t", "\n", "\r", "\r\n",
    "\u00a0", "\u3000", "\u2009", "\u0085", "\u200b", "\ufeff", "1", "23", "\u0663", "\u00bd", "\u2167", "0", ".", ",",
    "!", "/", "//", "-", "_", "(", ")", "\"", "\u00e9", "\u00c9", "e\u0301", "\u0301", "\u20dd", "\u01c5", "\u02b0",
    "\u4e2d", "\u6587", "\ud55c", "\u30a2", "\uff71", "\u0e01", "\u0e31", "\u0939", "\u093f", "\u0627", "\u03c9",
    "\u03a9", "\u{1F600}", "\u{1F468}\u200d\u{1F469}\u200d\u{1F467}", "\u{1F1EB}\u{1F1F7}", "\u{1F3F3}\ufe0f\u200d\u{1F308}",
    "\u{1D573}", "\u{10348}", "\u00df", "\u0130", "\u0131", "\u01c4", "\u01c6"];
  const texts = [];
  for (let i = 0; i < 3000; i++) {
    const n = 1 + Math.floor(rnd() * 12);
    let t = '';
    for (let k = 0; k < n; k++) t += pal[Math.floor(rnd() * pal.length)];
    texts.push(t);
  }
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'texts.jsonl'), texts.map(t => JSON.stringify({ text: t })).join('\n') + '\n');
  for (const [short, name] of [['gpt2', 'gpt2'], ['cl100k', 'cl100k_base'], ['o200k', 'o200k_base']]) {
    const enc = get_encoding(name);
    fs.writeFileSync(path.join(dir, short + '.txt'), texts.map(t => Array.from(enc.encode(t, [], [])).join(',')).join('\n') + '\n');
    enc.free();
  }
  process.exit(0);
}

const WS = '\\t\\n\\x0B\\f\\r \\x85\\xA0\\u1680\\u2000-\\u200A\\u2028\\u2029\\u202F\\u205F\\u3000';
function jsRegex(pat) {
  let s = pat.replace(/\(\?i:'s\|'t\|'re\|'ve\|'m\|'ll\|'d\)/g,
    "(?:'[sS\\u017F]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])");
  // \s inside a class -> its members; outside -> a class
  let r = '', inClass = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\') {
      const d = s[i + 1];
      if (d === 's') r += inClass ? WS : '[' + WS + ']';
      else if (d === 'S') { if (inClass) throw new Error('\\S in class'); r += '[^' + WS + ']'; }
      else r += c + d;
      i++;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    r += c;
  }
  return new RegExp(r, 'gu');
}

const texts = [];
const add = (name, text) => texts.push({ name, text });
add('english', "Hello world! It's a test: don't, won't, I'll, we've, they're, she'd, I'm.");
add('upper_contractions', "DON'T WON'T I'LL WE'VE THEY'RE SHE'D I'M It'S He'Ll 'S 'T 'RE x'ſ");
add('korean', '안녕하세요, 세계! 한국어 텍스트는 음절 단위로 씁니다. 서울특별시 123번지');
add('chinese', '我们今天去北京。中华人民共和国成立于1949年，人口约十四亿。');
add('japanese', '東京は日本の首都です。ひらがな、カタカナ、漢字を混ぜて書きます。ｶﾀｶﾅ半角１２３');
add('arabic', 'مرحبا بالعالم! اللغة العربية تكتب من اليمين إلى اليسار. ١٢٣٤٥');
add('hindi', 'नमस्ते दुनिया! हिन्दी देवनागरी लिपि में लिखी जाती है। १२३');
add('thai', 'สวัสดีชาวโลก ภาษาไทยไม่มีการเว้นวรรคระหว่างคำ ๑๒๓');
add('emoji_zwj', 'Family: 👨‍👩‍👧‍👦 and 👩🏽‍💻 coder, 🏳️‍🌈 flag, ❤️‍🔥 heart, 🤷‍♂️!');
add('flags', 'Flags: 🇫🇷🇩🇪🇯🇵🇺🇸 and 🏴󠁧󠁢󠁳󠁣󠁴󠁿 Scotland.');
add('combining', 'Cafe\u0301 nai\u0308ve re\u0301sume\u0301 Z\u0335\u0321a\u0336l\u0337g\u0338o \u0301lead ABC\u0301DEF a\u20dd');
add('unicode_spaces', 'a\u00a0b\u2003c\u3000d\u2009e\u202ff\u205fg\u1680h\u0085i\u2028j\u2029k\u200bl\ufeffm \u00a0 n\u00a0\u00a0o');
add('crlf', 'line one\r\nline two\r\n\r\nline four\r\n  indented\r\n\tTab\r\n');
add('trailing_ws', 'trailing spaces   ');
add('trailing_nl_ws', 'end\n\n  \t ');
add('ws_runs', 'a  b   c    d\n\n\ne \n f\t\tg \u00a0\u00a0h');
add('digits', '1 12 123 1234 12345 123456 3.14159 1,000,000 2024-01-01 ٣٤٥ ⅷ ½ 0x1F');
add('punct', 'Wait... what?! (yes) [no] {maybe} <tag/> a/b/c // http://x.org/a?b=c&d=e #hash @user $5 50% ~~~');
add('mixed_case', 'camelCase PascalCase snake_case SCREAMING iPhone McDonald\'s ÀÉÎÕÜ àéîõü ǅungla');
add('code', 'int main(void) {\n    return 0;\n}\n\n\tdef f(x):\n\t\treturn x**2  # comment\n');
add('specials_as_text', 'before <|endoftext|> after <|fim_prefix|>x');
add('long_word', 'x'.repeat(0) + 'supercalifragilistic'.repeat(250));
add('long_digits', '9'.repeat(3001));
add('long_spaces', ' '.repeat(2000) + 'x');
add('mixed_scripts', 'Ελληνικά Русский язык עברית ქართული Հայերեն ꯃꯤꯇꯩ 𝕳𝖊𝖑𝖑𝖔 𐍈');
add('empty', '');
add('single_space', ' ');
add('newline_only', '\n');
add('apostrophes', "'''s ''t ' s rock'n'roll 'tis o'clock");

// a sample of real lines from the shared corpora (deterministic: every k-th paragraph)
for (const f of ['brown', 'spam']) {
  const p = path.join(top, '../shared/corpora', f + '.jsonl.zst');
  if (!fs.existsSync(p)) continue;
  const lines = execSync('zstd -dc ' + JSON.stringify(p), { maxBuffer: 1 << 30 }).toString('utf8').split('\n');
  let k = 0;
  for (let i = 0; i < lines.length && k < 30; i += Math.floor(lines.length / 30)) {
    if (!lines[i]) continue;
    const t = JSON.parse(lines[i]).text;
    add(f + '_' + i, t.slice(0, 500));
    k++;
  }
}

fs.mkdirSync(out, { recursive: true });
fs.writeFileSync(path.join(out, 'texts.jsonl'), texts.map(t => JSON.stringify(t)).join('\n') + '\n');
const encs = { gpt2: 'gpt2', cl100k: 'cl100k_base', o200k: 'o200k_base' };
let bad = 0;
for (const [short, name] of Object.entries(encs)) {
  const enc = get_encoding(name);
  const pat = JSON.parse(fs.readFileSync(path.join(nm, 'tiktoken/encoders', name + '.json'))).pat_str;
  const re = jsRegex(pat);
  const rows = [];
  for (const t of texts) {
    const ids = Array.from(enc.encode(t.text, [], []));
    const pieces = t.text.match(re) || [];
    if (pieces.join('') !== t.text) { console.error(`${short} ${t.name}: pieces do not cover the text`); bad++; }
    const viaPieces = [].concat(...pieces.map(p => Array.from(enc.encode(p, [], []))));
    if (viaPieces.join(',') !== ids.join(',')) { console.error(`${short} ${t.name}: regex oracle disagrees with tiktoken`); bad++; }
    rows.push(JSON.stringify({ ids, pieces: pieces.map(p => Buffer.byteLength(p, 'utf8')) }));
  }
  fs.writeFileSync(path.join(out, short + '.jsonl'), rows.join('\n') + '\n');
  enc.free();
}
console.error(`wrote ${texts.length} texts to ${out}` + (bad ? `, ${bad} oracle problems` : ''));
process.exit(bad ? 1 : 0);
