/** The shop Application of the tests: redis (StatefulSet with a created PVC), web (init job, Ingress, verification) after it, worker in parallel. */
export function shopApplication(o: { webImage: string; verifyUrl: string; namespace?: string }): string {
  return `apiVersion: patrol.dev/v1
kind: Application
metadata: { name: shop, namespace: ${o.namespace ?? 'default'} }
spec:
  components:
    - name: redis
      image: registry.local/redis:7
      workload: StatefulSet
      ports: [6379]
      traits:
        storage: [{ name: redis-data, mountPath: /data, create: true, size: 1Gi }]
        configMaps: [{ name: shop-config, data: { cache: redis, ttl: "60" } }]
    - name: worker
      image: registry.local/worker:1
      traits:
        secrets: [{ name: shop-credentials }]
    - name: web
      image: ${o.webImage}
      replicas: 2
      ports: [{ name: http, port: 8080 }]
      env: { REDIS_URL: "redis://redis:6379" }
      resources: { requests: { cpu: 100m, memory: 128Mi } }
      dependsOn: [redis]
      init:
        - name: create-tables
          command: [./manage, migrate]
      traits:
        configMaps: [{ name: shop-config, data: { cache: redis, ttl: "300" } }]
        expose: { ingress: { host: shop.example.com } }
        verify: { http: { url: "${o.verifyUrl}" }, attempts: 2, interval: 100ms }
      rolloutTimeout: 20s
`;
}
