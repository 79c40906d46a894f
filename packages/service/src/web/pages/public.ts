/** The public pages: the registry of reviewed models and the program dashboard. */
import type { FastifyInstance } from 'fastify';
import type { Context } from '../../app/context.js';

export function publicPages(_web: FastifyInstance, _ctx: Context): void {}
