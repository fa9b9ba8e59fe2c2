import { ArgumentsHost, Catch, HttpException, type ExceptionFilter } from '@nestjs/common';
import type { Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import type { Logger } from '@telcomesh/observability';
import { DomainError, httpStatusOf } from './domain-error';

/**
 * One place where errors become HTTP: domain codes map to statuses, Nest's HttpExceptions (e.g.
 * validation) keep theirs, and anything else is a 500 whose error id the client and the log share.
 */
@Catch()
export class PlatformExceptionFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const response = http.getResponse<Response>();
    const request = http.getRequest<Request>();
    const path = request.originalUrl ?? request.url;
    if (exception instanceof DomainError) {
      response.status(httpStatusOf(exception.code)).json({
        statusCode: httpStatusOf(exception.code),
        code: exception.code,
        message: exception.message,
        details: exception.details,
        path,
      });
      return;
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const body = exception.getResponse();
      response
        .status(status)
        .json(
          typeof body === 'string'
            ? { statusCode: status, message: body, path }
            : { ...body, path },
        );
      return;
    }
    const errorId = randomUUID();
    this.logger.error({ err: exception, errorId, path, method: request.method }, 'unhandled error');
    response.status(500).json({ statusCode: 500, message: 'Internal server error', errorId, path });
  }
}
