package io.zrouter.router.frontend;

import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolConfig.Protocol;
import io.netty.handler.ssl.ApplicationProtocolConfig.SelectedListenerFailureBehavior;
import io.netty.handler.ssl.ApplicationProtocolConfig.SelectorFailureBehavior;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import io.zrouter.router.config.RouterConfig.TlsFiles;
import javax.net.ssl.SSLException;

/** Builds the server TLS context: ALPN offering h2 then http/1.1, OpenSSL when it loads. */
public final class ServerTls {
  private ServerTls() {}

  /** "OpenSSL" (BoringSSL via netty-tcnative) or "JDK": which TLS implementation serves. */
  public static String providerName() {
    return provider() == SslProvider.OPENSSL ? "OpenSSL" : "JDK";
  }

  private static SslProvider provider() {
    return SslProvider.isAlpnSupported(SslProvider.OPENSSL) ? SslProvider.OPENSSL : SslProvider.JDK;
  }

  /**
   * Loads the PEM files.
   *
   * @throws SSLException when the files cannot be read or do not hold a matching cert and key
   */
  public static SslContext forServer(TlsFiles files) throws SSLException {
    try {
      return SslContextBuilder.forServer(files.certChain().toFile(), files.privateKey().toFile())
          .sslProvider(provider())
          .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
          .applicationProtocolConfig(
              new ApplicationProtocolConfig(
                  Protocol.ALPN,
                  SelectorFailureBehavior.NO_ADVERTISE,
                  SelectedListenerFailureBehavior.ACCEPT,
                  ApplicationProtocolNames.HTTP_2,
                  ApplicationProtocolNames.HTTP_1_1))
          .build();
    } catch (IllegalArgumentException e) {
      throw new SSLException(e.getMessage(), e);
    }
  }
}
