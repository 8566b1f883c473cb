// The few IndexedDB calls the page needs, as promises: one database, one store per purpose.

const DB_NAME = 'firebreak';
const STORES = ['outbox'] as const;
type StoreName = typeof STORES[number];

let opened: Promise<IDBDatabase> | null = null;

function open(): Promise<IDBDatabase> {
  opened ??= new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => { for (const name of STORES) if (!req.result.objectStoreNames.contains(name)) req.result.createObjectStore(name, { keyPath: 'key' }); };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => { opened = null; reject(req.error ?? new Error('IndexedDB is not available')); };
  });
  return opened;
}

async function run<T>(store: StoreName, mode: IDBTransactionMode, act: (s: IDBObjectStore) => IDBRequest): Promise<T> {
  const db = await open();
  return new Promise((resolve, reject) => {
    const tx = db.transaction(store, mode);
    const req = act(tx.objectStore(store));
    // Resolved once the transaction commits, so a write is on disk before anything depends on it.
    tx.oncomplete = () => resolve(req.result as T);
    tx.onerror = () => reject(tx.error ?? req.error);
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

export const idbAll = <T>(store: StoreName) => run<T[]>(store, 'readonly', (s) => s.getAll());
export const idbPut = <T extends { key: string }>(store: StoreName, value: T) => run<IDBValidKey>(store, 'readwrite', (s) => s.put(value));
export const idbDelete = (store: StoreName, key: string) => run<undefined>(store, 'readwrite', (s) => s.delete(key));
