// A crawler: the pool fetches pages, a callback in the main process collects
// the links and submits the pages not seen yet. The example serves its own
// small site on 127.0.0.1.
// Run: node examples/pool_crawler.js
'use strict';
const http = require('node:http');
const { Pool, isMainProcess } = require('posix-multiprocessing');

// The site: page i links to pages 2i+1 and 2i+2, up to page 30.
function page(i) {
  const links = [2 * i + 1, 2 * i + 2].filter((j) => j <= 30).map((j) => `<a href="/page/${j}">page ${j}</a>`);
  return `<html><body><h1>page ${i}</h1>${links.join(' ')}</body></html>`;
}

// Runs in a worker.
async function fetchPage(url) {
  const response = await fetch(url);
  const body = await response.text();
  return {
    url,
    status: response.status,
    links: [...body.matchAll(/href="([^"]+)"/g)].map((m) => new URL(m[1], url).href),
  };
}

module.exports = { fetchPage };

async function main() {
  const server = http.createServer((req, res) => {
    const match = /^\/page\/(\d+)$/.exec(req.url);
    if (!match || Number(match[1]) > 30) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html' }).end(page(Number(match[1])));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${server.address().port}`;
  const pool = new Pool(4);
  const seen = new Set();
  let pending = 0;
  let finish;
  const finished = new Promise((resolve) => {
    finish = resolve;
  });
  const crawl = (url) => {
    if (seen.has(url)) return;
    seen.add(url);
    pending++;
    pool.applyAsync(fetchPage, [url], {
      callback: ({ links }) => {
        for (const link of links) crawl(link);
        if (--pending === 0) finish();
      },
      errorCallback: (err) => {
        console.error(`${url}: ${err.message}`);
        if (--pending === 0) finish();
      },
    });
  };
  crawl(`${base}/page/0`);
  await finished;
  pool.close();
  await pool.join();
  server.close();
  console.log(`crawled ${seen.size} pages`);
}

if (isMainProcess()) main();
