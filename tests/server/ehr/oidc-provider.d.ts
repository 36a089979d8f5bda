/** oidc-provider ships no TypeScript types; the test EHR uses this much of it. */
declare module 'oidc-provider' {
  export default class Provider {
    constructor(issuer: string, configuration: any);
    [key: string]: any;
  }
}
