import { BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';

@Injectable()
export class SourceIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (!/^[a-z0-9][a-z0-9._-]{0,99}$/.test(value)) {
      throw new BadRequestException(
        'sourceId must be 1-100 lower-case letters, digits, ".", "_" or "-"',
      );
    }
    return value;
  }
}
