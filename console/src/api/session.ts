// The API key lives in this tab's sessionStorage only: gone when the tab closes, never in localStorage or a cookie.
const KEY = "imagegate.apiKey";

export function apiKey(): string | null {
  return sessionStorage.getItem(KEY);
}

export function signIn(key: string): void {
  sessionStorage.setItem(KEY, key);
}

export function signOut(): void {
  sessionStorage.removeItem(KEY);
}
