// Child process for gguf.test.ts: tokenizes texts with llama.cpp (node-llama-cpp, installed in
// bench/llama-cpp by `npm run bench:infer:setup`) from a vocabulary-only load of a GGUF file.
// Input on stdin: {"gguf": path, "texts": [...], "special": bool}; output: one JSON array of
// token-id arrays on stdout.
import { pathToFileURL } from 'node:url';

const entry = new URL('../../bench/llama-cpp/node_modules/node-llama-cpp/dist/index.js', import.meta.url);
const { getLlama, LlamaLogLevel } = await import(pathToFileURL(entry.pathname).href);
// Whole bytes first, decoded once: decoding chunk by chunk would split characters at chunk
// boundaries into U+FFFD (that made this comparison fail now and then).
const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const request = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const llama = await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.disabled });
const model = await llama.loadModel({ modelPath: request.gguf, vocabOnly: true });
const out = request.texts.map((text) => Array.from(model.tokenize(text, request.special)));
process.stdout.write(JSON.stringify(out));
await model.dispose();
await llama.dispose();
