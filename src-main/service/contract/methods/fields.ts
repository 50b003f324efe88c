/** Input fields several methods share. */
import { z } from 'zod';

export const queueName = z.string().min(1).max(512);
export const taskId = z.string().min(1).max(256);
export const json = z.json();
/** The input of a method that takes none: an empty object, and nothing else. */
export const noInput = z.object({}).strict();
