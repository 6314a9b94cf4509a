import { Module } from '@nestjs/common';
import { QueueModule } from '../queue/queue.module';
import { AdminController } from './admin.controller';
import { AdminTokenGuard } from './admin-token.guard';

/** The operators' JSON API under /admin, behind the ADMIN_TOKEN bearer token. */
@Module({
  imports: [QueueModule],
  controllers: [AdminController],
  providers: [AdminTokenGuard],
})
export class AdminModule {}
