// A client-only app: every page needs the visitor's token, which never leaves the browser's session.
export const ssr = false;
export const prerender = false;
