// The only place that reads the environment and wires concrete adapters into the product.
// It opens the stores a service needs, applies migrations, starts that service's servers and
// owns shutdown. Feature code receives what it needs as arguments and never builds clients.

export { type RunningService, SERVICES, type ServiceName, startService } from './services.ts';
export { openStores, type StoreNeeds, type Stores } from './stores.ts';
