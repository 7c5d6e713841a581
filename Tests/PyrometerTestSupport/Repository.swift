import Foundation

/// The repository the tests run in, and its fixtures (`Tests/Fixtures`, provenance in its README).
public enum Repository {
    /// The repository's root: this file is `Tests/PyrometerTestSupport/Repository.swift`.
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// `Tests/Fixtures`.
    public static let fixtures = root.appendingPathComponent("Tests/Fixtures")

    /// The path of a fixture, relative to `Tests/Fixtures`.
    public static func fixture(_ relative: String) -> String {
        fixtures.appendingPathComponent(relative).path
    }
}
