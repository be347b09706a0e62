package io.zrouter.conformance.fleet;

/** One worker process and the id it was started with ({@code {id}}). */
public record WorkerInstance(String id, ChildProcess process) {}
