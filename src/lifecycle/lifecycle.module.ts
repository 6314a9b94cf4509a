import { Global, Module } from '@nestjs/common';
import { LifecycleErrorAnswers } from './lifecycle-errors';
import { ShutdownState } from './shutdown-state';

@Global()
@Module({ providers: [ShutdownState, LifecycleErrorAnswers], exports: [ShutdownState] })
export class LifecycleModule {}
