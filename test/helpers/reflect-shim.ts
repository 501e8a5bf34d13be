/**
 * @peculiar/x509 pulls in tsyringe, which insists on a Reflect metadata API at load time. The
 * library never relies on decorator metadata for what the tests use, so a small map-backed
 * stand-in is enough (and saves a dependency). Import this before @peculiar/x509.
 */
const store = new WeakMap<object, Map<unknown, unknown>>();
const reflect = Reflect as unknown as Record<string, unknown>;
if (typeof reflect.getMetadata !== 'function') {
  const bag = (target: object): Map<unknown, unknown> => {
    let map = store.get(target);
    if (!map) store.set(target, (map = new Map()));
    return map;
  };
  reflect.defineMetadata = (key: unknown, value: unknown, target: object) => void bag(target).set(key, value);
  reflect.getMetadata = (key: unknown, target: object) => store.get(target)?.get(key);
  reflect.getOwnMetadata = reflect.getMetadata;
  reflect.hasMetadata = (key: unknown, target: object) => store.get(target)?.has(key) ?? false;
  reflect.metadata = (key: unknown, value: unknown) => (target: object) => void bag(target).set(key, value);
}
export {};
