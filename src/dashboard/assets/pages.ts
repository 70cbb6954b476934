/**
 * The two HTML documents: the app shell (data comes later, as JSON, set as text by app.js) and
 * the sign-in form. Neither holds any data but the CSRF token; neither has inline script or style.
 * @internal
 * @module
 */

const head = (title: string): string => `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${title}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="assets/app.css">`;

/** The app shell. `csrf` is base64url (no character that needs escaping in an attribute). @internal */
export function mainPage(csrf: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(csrf)) throw new Error('bad CSRF token');
  return `${head('Disque dashboard')}
<meta name="csrf-token" content="${csrf}">
<script src="assets/app.js" defer></script>
</head>
<body>
<header><a class="brand" href="#/">Disque</a><nav><a href="#/">Cluster</a><a href="#/dead">Dead letters</a><a href="metrics">Metrics</a></nav><span id="live"></span></header>
<div id="flash" role="status"></div>
<main id="app"><p class="muted">Loading…</p></main>
<noscript>This dashboard needs JavaScript.</noscript>
</body>
</html>
`;
}

/** The sign-in form (posts the token once; a session cookie follows). @internal */
export function loginPage(failed: boolean): string {
  return `${head('Sign in · Disque dashboard')}
</head>
<body>
<header><span class="brand">Disque</span></header>
<main class="login">
<h1>Sign in</h1>
${failed ? '<p class="error">That token is not the right one.</p>' : ''}
<form method="post" action="login">
<label>Token <input type="password" name="token" autocomplete="current-password" required autofocus></label>
<button type="submit">Sign in</button>
</form>
</main>
</body>
</html>
`;
}
