// localStorage that never throws: it is missing or throws when cookies are blocked, and throws
// when full. Whatever it refuses lives in memory for the rest of the page instead.

const memory = new Map<string, string>();

export function loadItem(key: string): string | null {
  const value = memory.get(key);
  if (value !== undefined) return value;
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

export function saveItem(key: string, value: string): void {
  try {
    localStorage.setItem(key, value);
    memory.delete(key);
  } catch {
    memory.set(key, value);
  }
}

export function removeItem(key: string): void {
  memory.delete(key);
  try {
    localStorage.removeItem(key);
  } catch {
    // Nothing stored there to remove.
  }
}
