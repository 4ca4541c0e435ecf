// A helper module: bundled into each journey that imports it.
export const loginPath = (base: string): string => `${base}/login`;

export const WELCOME = 'Welcome, demo';
