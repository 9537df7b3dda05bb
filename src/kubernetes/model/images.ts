/** An image reference split as the container runtime reads it (distribution/reference rules). */
export interface ImageRef {
  registry: string;
  repository: string;
  tag?: string;
  digest?: string;
}

/**
 * Parses "nginx", "nginx:1.27", "quay.io/org/app:v1@sha256:...", "localhost:5000/app".
 * The first path component is a registry when it contains "." or ":" or is "localhost";
 * otherwise the image is on docker.io.
 */
export function parseImage(image: string): ImageRef {
  let rest = image.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  const first = rest.split('/')[0]!;
  let registry = 'docker.io';
  let repository = rest;
  if (rest.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost')) {
    registry = first;
    repository = rest.slice(first.length + 1);
  } else if (!rest.includes('/')) repository = `library/${rest}`;
  return { registry, repository, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/** `:latest`, or no tag and no digest (which means latest). */
export function isLatest(ref: ImageRef): boolean {
  return !ref.digest && (ref.tag === undefined || ref.tag === 'latest');
}
