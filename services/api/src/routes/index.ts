import { channelsRoutes } from './channels.js';
import { eventsRoutes } from './events.js';
import { historyRoutes } from './history.js';
import { pushRoutes } from './push.js';
import type { RouteModule } from './route.js';
import { usersRoutes } from './users.js';
import { webhooksRoutes } from './webhooks.js';

/** ROUTES are the API's route groups, mounted in this order below `/apps/:appId`. */
export const ROUTES: readonly RouteModule[] = [eventsRoutes, channelsRoutes, usersRoutes, webhooksRoutes, pushRoutes, historyRoutes];
