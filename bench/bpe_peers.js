// bpe_peers.js — the peers of bench/bpe.sh, on the same input as winnow:
//   node bpe_peers.js tiktoken-encode CORPUS.jsonl            npm tiktoken (WASM), gpt2, 1 thread
//   node bpe_peers.js hf-encode CORPUS.jsonl TOKENIZER.json   npm tokenizers (native), encodeBatch
//                                                              (threads: RAYON_NUM_THREADS)
//   node bpe_peers.js hf-train TEXT OUT.json                  npm tokenizers BPE trainer, ByteLevel
//                                                              (the npm binding exposes only the
//                                                              default BpeTrainer: vocab 30000,
//                                                              min_frequency 0)
//   node bpe_peers.js hf-count TOKENIZER.json TEXT            tokens of TEXT (bytes/token)
// Prints one line: "<wall seconds> <bytes> <tokens> <cpu seconds>", timing only the library calls.
const fs = require('fs');
const path = require('path');
const nm = process.env.BPE_NODE_MODULES;
const req = (m) => require(path.join(nm, m));
const [mode, a, b] = process.argv.slice(2);
const now = () => Number(process.hrtime.bigint()) / 1e9;
const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1e6; };
const texts = (f) => fs.readFileSync(f, 'utf8').split('\n').filter(Boolean).map(l => JSON.parse(l).text);

(async () => {
  if (mode === 'tiktoken-encode') {
    const { get_encoding } = req('tiktoken');
    const enc = get_encoding('gpt2');
    const tx = texts(a);
    let bytes = 0, toks = 0;
    for (const t of tx) bytes += Buffer.byteLength(t);
    const t0 = now(), c0 = cpu();
    for (const t of tx) toks += enc.encode(t, [], []).length;
    console.log(`${now() - t0} ${bytes} ${toks} ${cpu() - c0}`);
  } else if (mode === 'hf-encode') {
    const { Tokenizer } = req('tokenizers');
    const tok = Tokenizer.fromFile(b);
    const tx = texts(a);
    let bytes = 0, toks = 0;
    for (const t of tx) bytes += Buffer.byteLength(t);
    const t0 = now(), c0 = cpu();
    for (let i = 0; i < tx.length; i += 1024) {
      const enc = await tok.encodeBatch(tx.slice(i, i + 1024), { addSpecialTokens: false });
      for (const e of enc) toks += e.getLength();
    }
    console.log(`${now() - t0} ${bytes} ${toks} ${cpu() - c0}`);
  } else if (mode === 'hf-train') {
    const { Tokenizer, BPE, byteLevelPreTokenizer, byteLevelDecoder } = req('tokenizers');
    const tok = new Tokenizer(BPE.empty());
    tok.setPreTokenizer(byteLevelPreTokenizer(false, true));
    const t0 = now(), c0 = cpu();
    tok.train([a]);
    const s = now() - t0, cs = cpu() - c0;
    tok.save(b);
    console.log(`${s} ${fs.statSync(a).size} ${tok.getVocabSize(true)} ${cs}`);
  } else if (mode === 'hf-count') {
    const { Tokenizer } = req('tokenizers');
    const tok = Tokenizer.fromFile(a);
    const tx = fs.readFileSync(b, 'utf8').split('\n');
    let toks = 0;
    for (let i = 0; i < tx.length; i += 1024) {
      const enc = await tok.encodeBatch(tx.slice(i, i + 1024).map(l => l + '\n'), { addSpecialTokens: false });
      for (const e of enc) toks += e.getLength();
    }
    console.log(`0 ${fs.statSync(b).size} ${toks}`);
  } else throw new Error('mode?');
})().catch(e => { console.error(e); process.exit(1); });
