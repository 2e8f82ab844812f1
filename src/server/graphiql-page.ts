import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { graphiqlFiles, type Representation, type StaticFile } from './graphiql-assets.js';
import { preferredCoding } from './response-compression.js';

/** Assets are named by their content: a browser may keep them for a year without asking again. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * Sends one representation of an asset; express answers a matching If-None-Match with 304 (the ETag names this
 * representation). `Vary` tells caches that the encoding depends on Accept-Encoding.
 */
function sendAsset(req: Request, res: Response, file: StaticFile): void {
  const encoding = preferredCoding(req.headers['accept-encoding']) ?? 'identity';
  const chosen: Representation = file[encoding];
  res.set({ 'Content-Type': file.contentType, 'Cache-Control': IMMUTABLE, ETag: chosen.etag, Vary: 'Accept-Encoding' });
  if (encoding !== 'identity') res.set('Content-Encoding', encoding);
  res.send(chosen.body);
}

/** GraphiQL's page for a browser's GET of /graphql (one asking for HTML); anything else goes on to the API. */
export const graphiqlPage: RequestHandler = (req, res, next) => {
  if (req.method !== 'GET' || req.accepts(['application/json', 'application/graphql-response+json', 'text/html']) !== 'text/html') {
    next();
    return;
  }
  graphiqlFiles().then(({ page }) => {
    // Revalidated at every load (a few hundred bytes, or a 304), so a new version's assets are picked up at once.
    // The same URL answers API clients with JSON: a cache keeps the two apart by Accept.
    res.set({ 'Content-Type': page.contentType, 'Cache-Control': 'no-cache', ETag: page.identity.etag, Vary: 'Accept' });
    res.send(page.identity.body);
  }, next);
};

/** GraphiQL's scripts, styles and icon, routed as `${GRAPHIQL_ASSETS_PATH}/:file`; an unknown name is a 404. */
export function graphiqlAssets(req: Request<{ file: string }>, res: Response, next: NextFunction): void {
  graphiqlFiles().then(({ assets }) => {
    const file = assets.get(req.params.file);
    if (file) sendAsset(req, res, file);
    else res.status(404).type('text/plain').send(`No GraphiQL asset ${JSON.stringify(req.params.file)}; reload /graphql for the current ones\n`);
  }, next);
}
