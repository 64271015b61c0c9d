// Every code example in the READMEs is code that runs: each ts/js/tsx/c/cpp
// block of README.md and bindings/node/README.md must appear in one file of
// the example apps or the tests. A block may leave lines out (the reader
// sees the part that matters), so its lines must appear in that file in
// order, compared trimmed, with blank lines, comment-only lines and `...`
// placeholders skipped and a trailing ` // comment` ignored. A test runner
// (node --test) prints each block's verdict.

import assert from "node:assert/strict"
import { readFileSync, readdirSync, statSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { test } from "node:test"
import { fileURLToPath } from "node:url"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..")
const readmes = ["README.md", "bindings/node/README.md"]
const sourceDirs = ["examples", "tests", "bindings/node/test", "bindings/node/examples"]
const codeLanguages = new Set(["ts", "tsx", "js", "mjs", "c", "cpp"])
const sourceFile = /\.(ts|tsx|mts|cts|js|mjs|cjs|c|cc|h)$/

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules" || name.startsWith(".")) continue
    const path = join(dir, name)
    if (statSync(path).isDirectory()) yield* walk(path)
    else if (sourceFile.test(name)) yield path
  }
}

/** The lines that must match, trimmed, without trailing comments. */
function significant(text) {
  return text
    .split("\n")
    .map((line) => line.replace(/\s+\/\/[^"'`]*$/, "").trim())
    .filter(
      (line) =>
        line !== "" &&
        !line.startsWith("//") &&
        !/^\/\*.*\*\/$/.test(line) &&
        !/^(\.\.\.|\/\/ \.\.\.)$/.test(line)
    )
}

function containsInOrder(haystack, needles) {
  let at = 0
  for (const line of haystack) {
    if (line === needles[at]) at++
    if (at === needles.length) return true
  }
  return false
}

const sources = sourceDirs
  .flatMap((d) => [...walk(join(root, d))])
  .map((path) => ({ path, lines: significant(readFileSync(path, "utf8")) }))

for (const readme of readmes) {
  const text = readFileSync(join(root, readme), "utf8")
  const blocks = [...text.matchAll(/^ *```(\w+)\n([\s\S]*?)^ *```$/gm)]
  for (const [, language, body] of blocks) {
    if (!codeLanguages.has(language)) continue
    const needles = significant(body)
    const firstLine = text.slice(0, text.indexOf(body)).split("\n").length
    test(`${readme}:${firstLine} (${language}) runs in an example or a test`, () => {
      const home = sources.find((s) => containsInOrder(s.lines, needles))
      assert.ok(
        home,
        `no example or test contains these lines in order:\n${needles.join("\n")}`
      )
      console.log(`  found in ${relative(root, home.path)}`)
    })
  }
}
