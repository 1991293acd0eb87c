// Opens a drsim HTML report in headless Chromium (playwright-core driving /usr/bin/chromium),
// JavaScript off: screenshot of the first screen, A4 PDF; fails on any network request, any
// console error or page error, a comparison section that does not start a page in print, or a
// PDF whose page count is not one per section (each fits its page).
//
//   node check-report.mjs REPORT.html OUT_DIR
import { createRequire } from "node:module";
import { readFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");

const [report, out] = process.argv.slice(2);
const problems = [];
const browser = await chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), "drsim-chromium-")), {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  headless: true,
  javaScriptEnabled: false,
  viewport: { width: 1280, height: 1600 },
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
  ],
});
const page = browser.pages()[0] ?? (await browser.newPage());
const url = pathToFileURL(report).href;
page.on("request", (r) => {
  if (r.url() !== url && !r.url().startsWith("data:")) problems.push(`fetched ${r.url()}`);
});
page.on("console", (m) => {
  if (m.type() === "error" || m.type() === "warning") problems.push(`console ${m.type()}: ${m.text()}`);
});
page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
const response = await page.goto(url, { waitUntil: "load" });
if (!response || !response.ok()) problems.push(`could not open ${url}`);
await page.screenshot({ path: join(out, "report.png") });

await page.emulateMedia({ media: "print" });
const sections = await page.$$eval("section.page", (els) =>
  els.map((e) => ({ id: e.id || e.querySelector("h2")?.textContent, breakBefore: getComputedStyle(e).breakBefore })),
);
for (const s of sections) {
  if (s.breakBefore !== "page") problems.push(`section ${s.id} does not start a page in print (${s.breakBefore})`);
}
await page.pdf({ path: join(out, "report.pdf"), format: "A4", printBackground: true, preferCSSPageSize: true });
await browser.close();

const pdf = readFileSync(join(out, "report.pdf")).toString("latin1");
const pages = (pdf.match(/\/Type\s*\/Page[^s]/g) || []).length;
// The header and the scenario, then one page per section.
const expected = 1 + sections.length;
if (pages !== expected) problems.push(`the PDF has ${pages} pages, expected ${expected} (1 + ${sections.length} sections)`);
console.log(`${sections.length} sections, ${pages} PDF pages, ${problems.length} problems`);
for (const p of problems) console.error(`problem: ${p}`);
process.exit(problems.length ? 1 : 0);
